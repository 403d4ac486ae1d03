//! The public vulnerability index: HTML pages and the OSV-compatible API.
