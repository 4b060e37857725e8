//! Tunables of the HTTP server itself: how many connections, how many buffered request
//! bytes, how long a connection may sit idle or stall, how big a request head may be. They
//! keep one shared process up whatever its clients do (issue 13); production's own limits
//! are not documented, so none of these is a fact about the Graph API.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct ServerConfig {
    /// Connections open at once (`igsim serve --max-connections`). At the cap the server
    /// stops accepting, and new connections wait in the kernel's listen queue until one
    /// closes (idle ones close after `head_timeout_ms`).
    pub max_connections: usize,
    /// Request body bytes buffered at once across all connections. A request waits for room
    /// (the client is not read meanwhile) at most `body_budget_wait_ms`, then gets a
    /// transient `(#2)` error. At least `Config::max_body_bytes`.
    pub body_budget_bytes: usize,
    pub body_budget_wait_ms: u64,
    /// How long a connection may take to deliver a complete request head, counted from when
    /// the server starts waiting for one: a new connection, and a kept-alive one after its
    /// last answer. So it is both the header-read timeout and the keep-alive idle timeout;
    /// when it passes the connection is closed.
    pub head_timeout_ms: u64,
    /// Longest pause while a request body arrives (then a `408` Graph error) or while a
    /// client does not read its answer (then the connection is closed).
    pub io_stall_timeout_ms: u64,
    /// Largest request head (request line and headers), in bytes: more is a `431` Graph error.
    /// A request-target over 65,534 bytes is a `414` Graph error (hyper's own limit).
    pub(crate) max_head_bytes: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            max_connections: 512,
            body_budget_bytes: 64 * 1024 * 1024,
            body_budget_wait_ms: 10_000,
            head_timeout_ms: 30_000,
            io_stall_timeout_ms: 30_000,
            max_head_bytes: 128 * 1024,
        }
    }
}

impl ServerConfig {
    pub(crate) fn head_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.head_timeout_ms.max(1))
    }

    pub(crate) fn body_budget_wait(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.body_budget_wait_ms.max(1))
    }

    pub(crate) fn io_stall_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.io_stall_timeout_ms.max(1))
    }
}
