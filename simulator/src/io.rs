//! The only code that talks to the outside world: webhook POSTs and handshakes
//! ([`webhooks`]) and the optional download of media URLs ([`media_fetch`]). Everything here
//! is called with the world lock released.

pub(crate) mod media_fetch;
pub(crate) mod state_dir;
pub mod webhooks;
