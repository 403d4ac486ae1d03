//! Integration tests of cpansec-version.

mod perl_oracle;
mod requirements_oracle;
mod support;
