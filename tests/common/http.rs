//! One HTTP/1.1 request over any stream (the Unix socket or the TCP listener), written by hand
//! so tests see exactly what a peer sends, bad bodies included.

use std::io::{Read, Write};

/// Send one request with `Connection: close`; `headers` are extra lines, each ending in CRLF.
/// Returns (status, body).
pub fn request(
    mut s: impl Read + Write,
    method: &str,
    path: &str,
    headers: &str,
    body: &[u8],
) -> (u16, String) {
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: piket\r\nConnection: close\r\nContent-Type: application/json\r\n{headers}Content-Length: {}\r\n\r\n",
        body.len()
    )
    .unwrap();
    // A server may answer 413 before reading it all; a broken pipe then is expected.
    let _ = s.write_all(body);
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text.split(' ').nth(1).unwrap().parse().unwrap();
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    (status, body)
}
