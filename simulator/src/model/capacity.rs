//! How many objects of each bounded kind a world holds, what its seed world held, and the
//! check every run-time creation makes against `CapacityConfig` (see `config/capacity.rs`).

use super::world::{Sizes, World};
use crate::config::{CapacityArea, CapacityConfig, PerArea};
use crate::error::GraphError;

/// A creation refused: the sandbox holds `max` run-time objects of `area` already.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Full {
    pub(crate) area: CapacityArea,
    pub(crate) max: usize,
}

impl std::fmt::Display for Full {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "this sandbox holds at most {} {} created at run time (igsim --capacity {}=<n>); {}",
            self.max,
            self.area.noun(),
            self.area.name(),
            self.area.room_hint(),
        )
    }
}

impl From<Full> for GraphError {
    fn from(full: Full) -> Self {
        GraphError::sandbox_full(&full.to_string())
    }
}

impl World {
    /// How many objects of each bounded kind the world holds now.
    pub(crate) fn sizes(&self) -> Sizes {
        Sizes {
            comments: self.comments.len(),
            media: self.media.len(),
            containers: self.publishing.containers.len(),
            accounts: self.ig_users.len(),
            tokens: self.tokens.len(),
        }
    }

    /// Whether `n` more objects of `area` may be created: the world may hold what its seed
    /// world held plus `cap`'s limit of run-time ones.
    pub(crate) fn room_for(&self, area: CapacityArea, n: usize, cap: &CapacityConfig) -> Result<(), Full> {
        let max = cap.get(area);
        let seeded = self.seeded.unwrap_or(PerArea::ZERO).get(area);
        let live = self.sizes().get(area).saturating_sub(seeded);
        if live.saturating_add(n) > max {
            Err(Full { area, max })
        } else {
            Ok(())
        }
    }
}
