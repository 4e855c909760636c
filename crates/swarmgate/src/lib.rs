//! swarmgate: the binary's library half.
//!
//! - [`config`]: the configuration, its sources and validation.
//! - [`commands`]: the operator's `policy` and `geo` commands.
//! - [`example`]: the generated, commented example configuration.
//! - [`app`]: start-up, the running servers, and orderly shutdown.
//! - [`jobs`]: background jobs (peer expiry, persisting counts).
//! - [`users`]: the operator's account commands (`swarmgate user ...`).
//! - [`reload`]: live policy reloads (SIGHUP, file changes, control socket).
//! - [`metrics`]: Prometheus metrics on their own listener.
//! - [`status`]: `swarmgate status`, a running instance's health.
//! - [`logging`]: text or JSON logs.
//!
//! `main.rs` only parses the command line and calls into here, so tests
//! start the same servers in-process on port 0.

pub mod app;
pub mod backup;
pub mod commands;
pub mod config;
pub mod example;
pub mod jobs;
pub mod logging;
pub mod metrics;
pub mod private;
pub mod reload;
pub mod seeders;
pub mod status;
pub mod users;

pub use app::{Running, start, start_with_clock};
pub use config::Config;
