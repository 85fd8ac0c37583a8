//! KPIs placeholder replaced below.
