//! CPAN metadata readers for cpansec.
