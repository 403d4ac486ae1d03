//! The transparency log over HTTP: C2SP tlog-tiles read endpoints, and the
//! tlog-witness add-checkpoint endpoint.
