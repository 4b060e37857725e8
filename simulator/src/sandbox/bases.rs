//! Base worlds: a seed world built once per (seed, world seed, start time) and shared by
//! every sandbox made from it ([`Bases`]), and the seed world's fingerprint that keys them
//! ([`SeedWorld`]).

use super::lock;
use crate::config::Config;
use crate::model::seed::{build_base, Base, WorldSeed};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, OnceLock};

/// A seed world with its fingerprint (a hash of its JSON), shared by every sandbox made
/// from it; the fingerprint keys [`Bases`].
#[derive(Debug, Clone)]
pub(crate) struct SeedWorld {
    pub(crate) world: Arc<WorldSeed>,
    fingerprint: u64,
}

impl SeedWorld {
    pub(crate) fn new(world: WorldSeed) -> Self {
        let json = serde_json::to_vec(&world).unwrap_or_default();
        SeedWorld {
            fingerprint: crate::ids::stable_hash(&[&json]),
            world: Arc::new(world),
        }
    }
}

/// How many base worlds [`Bases`] keeps (most recently used first). Sandboxes made from an
/// evicted base keep sharing it; only new sandboxes of that seed build it again.
const KEPT_BASES: usize = 8;

type BaseKey = (u64, u64, i64);
type BaseCell = Arc<OnceLock<Result<Arc<Base>, String>>>;

/// The base worlds built so far, by (seed fingerprint, world seed, start time). Two requests
/// for the same key build it once: the second waits for the first's build.
#[derive(Default)]
pub(crate) struct Bases {
    kept: Mutex<VecDeque<(BaseKey, BaseCell)>>,
}

impl Bases {
    /// The base world of `seed` at `now`, built now unless kept.
    pub(crate) fn get(&self, seed: &SeedWorld, cfg: &Config, world_seed: u64, now: i64) -> Result<Arc<Base>, String> {
        let key = (seed.fingerprint, world_seed, now);
        let cell = {
            let mut kept = lock(&self.kept);
            let cell = match kept.iter().position(|(k, _)| *k == key) {
                Some(i) => kept.remove(i).map(|(_, c)| c).unwrap_or_default(),
                None => BaseCell::default(),
            };
            kept.push_front((key, cell.clone()));
            kept.truncate(KEPT_BASES);
            cell
        };
        cell.get_or_init(|| build_base(&seed.world, cfg, world_seed, now).map(Arc::new))
            .clone()
    }
}
