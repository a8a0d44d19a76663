//! The one integration-test binary: every test drives the real `vibe` binary (or the library)
//! against real SQLite files, real git repositories and loopback servers in `common/`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod suite;
