//! One HTTP/1.1 request over any stream (the Unix socket or the TCP listener), written by hand
//! so tests see exactly what a peer sends, bad bodies included.

use std::io::{Read, Write};

/// Send one request with `Connection: close`; `headers` are extra lines, each ending in CRLF.
/// Returns (status, body). A streamed answer (`application/x-ndjson`, the change feed) is read
/// up to its headers only, with an empty body. A connection closed before a whole head gives
/// status 0 and whatever came.
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
    let mut buf = [0u8; 8192];
    let head_end = loop {
        // A server that refuses early may reset the connection after its answer.
        let n = s.read(&mut buf).unwrap_or(0);
        if n == 0 {
            return (0, String::from_utf8_lossy(&raw).into_owned());
        }
        raw.extend_from_slice(&buf[..n]);
        if let Some(i) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&raw[..head_end]).into_owned();
    let status = head.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    if head.to_ascii_lowercase().contains("application/x-ndjson") {
        return (status, String::new());
    }
    let _ = s.read_to_end(&mut raw);
    (status, String::from_utf8_lossy(&raw[head_end..]).into_owned())
}
