//! Sandboxes: isolated worlds in one process, each with its own world, tokens, ids and
//! virtual clock, plus the process-wide index from token to sandbox.
//!
//! The world lock is a std `RwLock` taken only inside synchronous closures, never across an
//! `.await`: reads ([`Sandbox::read_world`]) of one sandbox proceed in parallel, writes
//! ([`Sandbox::with_world`]) one at a time. Per-request bookkeeping (rate-limit counters) has
//! a small lock of its own ([`Sandbox::with_rate_limits`]), taken after the world's when
//! both are held, so counting a call never waits for a response being rendered.
//!
//! Sandboxes are cheap (issue 12): a seed world is built once per (seed, world seed, start
//! time) into a [`Base`] kept in [`Bases`], and each sandbox made from it starts as a clone
//! that shares all of its data ([`crate::model::shared`]). Sandboxes nobody has used for
//! `Config::sandbox_idle_seconds` of wall-clock time are reclaimed ([`Sandboxes::reap_idle`]).

use crate::clock::{os_now, SandboxClock};
use crate::config::{ClockMode, Config};
use crate::model::ratelimit::RateLimits;
use crate::model::seed::{build_base, Base, WorldSeed};
use crate::model::World;
use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, RwLock};

pub const DEFAULT_SANDBOX: &str = "default";

/// A seed world with its fingerprint (a hash of its JSON), shared by every sandbox made
/// from it; the fingerprint keys [`Bases`].
#[derive(Debug, Clone)]
pub struct SeedWorld {
    pub world: Arc<WorldSeed>,
    fingerprint: u64,
}

impl SeedWorld {
    pub fn new(world: WorldSeed) -> Self {
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
pub struct Bases {
    kept: Mutex<VecDeque<(BaseKey, BaseCell)>>,
}

impl Bases {
    /// The base world of `seed` at `now`, built now unless kept.
    pub fn get(&self, seed: &SeedWorld, cfg: &Config, world_seed: u64, now: i64) -> Result<Arc<Base>, String> {
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

pub struct Sandbox {
    pub id: String,
    seed: SeedWorld,
    world_seed: u64,
    world: RwLock<World>,
    /// Read by every request (an `RwLock`: readers do not queue behind each other).
    clock: RwLock<SandboxClock>,
    /// Rate-limit windows and overrides: bookkeeping outside the world lock.
    rate_limits: Mutex<RateLimits>,
    /// When a request last reached this sandbox (OS seconds): the idle reaper's measure.
    last_used: AtomicI64,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock cannot leave a half-written world visible to clients
    // in a way worse than refusing service; recover the data rather than poisoning forever.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Sandbox {
    /// Builds a sandbox's world (the expensive part: it takes no lock of the registry, so it
    /// can run off the request-serving threads). `world_seed` seeds its ids and values.
    /// `start` is the sandbox's "now" at creation (`POST /_sim/sandboxes?at=`); `None`: the OS
    /// clock (`--clock real`) or `Config::frozen_epoch` (`--clock frozen`). The clock mode
    /// decides whether time then runs or stays frozen.
    /// The world comes from `bases` (built there unless a sandbox of the same seed, world
    /// seed and start time was made recently).
    pub fn new(
        id: String,
        seed: SeedWorld,
        world_seed: u64,
        cfg: &Config,
        start: Option<i64>,
        bases: &Bases,
    ) -> Result<Self, String> {
        let os = os_now();
        let clock = match cfg.clock {
            ClockMode::Real => SandboxClock::running_from(start.unwrap_or(os), os),
            ClockMode::Frozen => SandboxClock::frozen_at(start.unwrap_or(cfg.frozen_epoch)),
        };
        let world = bases
            .get(&seed, cfg, world_seed, clock.now(os))?
            .instantiate(world_seed, &id);
        Ok(Sandbox {
            id,
            seed,
            world_seed,
            world: RwLock::new(world),
            clock: RwLock::new(clock),
            rate_limits: Mutex::default(),
            last_used: AtomicI64::new(os),
        })
    }

    /// Marks the sandbox as used now (wall clock), for [`Sandboxes::reap_idle`].
    fn touch(&self) {
        let now = os_now();
        // Most requests come within the same second: read first, so the cache line is only
        // written once a second rather than by every request.
        if self.last_used.load(Ordering::Relaxed) != now {
            self.last_used.store(now, Ordering::Relaxed);
        }
    }

    /// OS seconds of the last request that reached this sandbox.
    pub fn last_used(&self) -> i64 {
        self.last_used.load(Ordering::Relaxed)
    }

    pub fn now(&self) -> i64 {
        self.clock.read().unwrap_or_else(|e| e.into_inner()).now(os_now())
    }

    pub fn clock(&self) -> SandboxClock {
        self.clock.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn with_clock<R>(&self, f: impl FnOnce(&mut SandboxClock, i64) -> R) -> R {
        f(&mut self.clock.write().unwrap_or_else(|e| e.into_inner()), os_now())
    }

    /// Runs `f` on the world at the sandbox's current time, alone (a write).
    pub fn with_world<R>(&self, f: impl FnOnce(&mut World, i64) -> R) -> R {
        let now = self.now();
        f(&mut self.world.write().unwrap_or_else(|e| e.into_inner()), now)
    }

    /// Runs `f` on the world at the sandbox's current time, beside other readers.
    pub fn read_world<R>(&self, f: impl FnOnce(&World, i64) -> R) -> R {
        let now = self.now();
        f(&self.world.read().unwrap_or_else(|e| e.into_inner()), now)
    }

    /// Runs `f` on the sandbox's rate-limit state (its own lock: may be taken inside
    /// [`Sandbox::read_world`] or [`Sandbox::with_world`], never the other way round).
    pub fn with_rate_limits<R>(&self, f: impl FnOnce(&mut RateLimits) -> R) -> R {
        f(&mut lock(&self.rate_limits))
    }

    /// Builds a fresh world from its seed at the current sandbox time (no lock held while
    /// building); [`Sandboxes::reset`] puts it in place.
    pub fn rebuilt_world(&self, cfg: &Config, bases: &Bases) -> Result<World, String> {
        Ok(bases
            .get(&self.seed, cfg, self.world_seed, self.now())?
            .instantiate(self.world_seed, &self.id))
    }
}

/// All sandboxes of the process and the token index.
pub struct Sandboxes {
    pub config: Config,
    map: RwLock<BTreeMap<String, Arc<Sandbox>>>,
    tokens: RwLock<std::collections::HashMap<String, String>>,
    counter: AtomicU64,
    bases: Arc<Bases>,
}

#[derive(Debug)]
pub enum SandboxError {
    Exists(String),
    NotFound(String),
    BadId(String),
    BadWorld(String),
    Protected,
    /// `Config::max_sandboxes` sandboxes exist already.
    Full(usize),
}

impl Sandboxes {
    /// Creates the registry with the `default` sandbox built from `default_world`.
    pub fn new(config: Config, default_world: SeedWorld) -> Result<Self, String> {
        let s = Sandboxes {
            config,
            map: RwLock::new(BTreeMap::new()),
            tokens: RwLock::new(Default::default()),
            counter: AtomicU64::new(0),
            bases: Arc::default(),
        };
        s.create(Some(DEFAULT_SANDBOX.into()), default_world, None)
            .map_err(|e| format!("{e:?}"))?;
        Ok(s)
    }

    /// The base worlds sandboxes are made from (for builds off the request threads).
    pub fn bases(&self) -> Arc<Bases> {
        self.bases.clone()
    }

    /// The sandbox `id`, marked as used.
    pub fn get(&self, id: &str) -> Option<Arc<Sandbox>> {
        let sb = self.map.read().unwrap_or_else(|e| e.into_inner()).get(id).cloned();
        if let Some(sb) = &sb {
            sb.touch();
        }
        sb
    }

    pub fn ids(&self) -> Vec<String> {
        self.map
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .keys()
            .cloned()
            .collect()
    }

    /// The sandbox a token belongs to.
    pub fn by_token(&self, token: &str) -> Option<Arc<Sandbox>> {
        let id = self
            .tokens
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(token)
            .cloned()?;
        self.get(&id)
    }

    /// Creates a sandbox in one go (start-up, tests): [`Sandboxes::reserve`], build, and
    /// [`Sandboxes::insert`]. The control plane does the same with the build off the
    /// request-serving threads.
    pub fn create(
        &self,
        id: Option<String>,
        world: SeedWorld,
        seed: Option<u64>,
    ) -> Result<Arc<Sandbox>, SandboxError> {
        let id = self.reserve(id)?;
        let sandbox = Sandbox::new(
            id,
            world,
            seed.unwrap_or(self.config.seed),
            &self.config,
            None,
            &self.bases,
        )
        .map_err(SandboxError::BadWorld)?;
        self.insert(sandbox)
    }

    /// The id for a new sandbox: the caller's (checked) or a generated one (`sb-1`, `sb-2`,
    /// …), provided there is room for one more ([`Config::max_sandboxes`]).
    pub fn reserve(&self, id: Option<String>) -> Result<String, SandboxError> {
        self.check_room(self.map.read().unwrap_or_else(|e| e.into_inner()).len())?;
        Ok(match id {
            Some(id) => {
                if id.is_empty()
                    || id.len() > 64
                    || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                {
                    return Err(SandboxError::BadId(id));
                }
                id
            }
            None => loop {
                let n = self.counter.fetch_add(1, Ordering::Relaxed) + 1;
                let candidate = format!("sb-{n}");
                if self.get(&candidate).is_none() {
                    break candidate;
                }
            },
        })
    }

    fn check_room(&self, existing: usize) -> Result<(), SandboxError> {
        if existing >= self.config.max_sandboxes {
            Err(SandboxError::Full(self.config.max_sandboxes))
        } else {
            Ok(())
        }
    }

    /// Adds a built sandbox under its id (refused if the id was taken or the registry filled
    /// up while it was being built) and indexes its tokens.
    pub fn insert(&self, sandbox: Sandbox) -> Result<Arc<Sandbox>, SandboxError> {
        let sandbox = Arc::new(sandbox);
        {
            let mut map = self.map.write().unwrap_or_else(|e| e.into_inner());
            if map.contains_key(&sandbox.id) {
                return Err(SandboxError::Exists(sandbox.id.clone()));
            }
            self.check_room(map.len())?;
            map.insert(sandbox.id.clone(), sandbox.clone());
        }
        self.index_tokens(&sandbox);
        Ok(sandbox)
    }

    pub fn delete(&self, id: &str) -> Result<(), SandboxError> {
        if id == DEFAULT_SANDBOX {
            return Err(SandboxError::Protected);
        }
        let removed = self.map.write().unwrap_or_else(|e| e.into_inner()).remove(id);
        if removed.is_none() {
            return Err(SandboxError::NotFound(id.into()));
        }
        self.tokens
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|_, sb| sb != id);
        Ok(())
    }

    /// Removes every sandbox but `default` that no request has reached for
    /// `Config::sandbox_idle_seconds` of wall-clock time before `os_now` (0: never); the ids
    /// removed. Their tokens go with them, as on `DELETE`.
    pub fn reap_idle(&self, os_now: i64) -> Vec<String> {
        let idle = self.config.sandbox_idle_seconds;
        if idle == 0 {
            return Vec::new();
        }
        let idle = i64::try_from(idle).unwrap_or(i64::MAX);
        let stale: Vec<String> = self
            .map
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .filter(|sb| sb.id != DEFAULT_SANDBOX && os_now.saturating_sub(sb.last_used()) >= idle)
            .map(|sb| sb.id.clone())
            .collect();
        stale.into_iter().filter(|id| self.delete(id).is_ok()).collect()
    }

    /// Puts a world built by [`Sandbox::rebuilt_world`] in place of a sandbox's (tokens
    /// minted since the last build are forgotten).
    pub fn reset(&self, sandbox: &Arc<Sandbox>, fresh: World) {
        let id = &sandbox.id;
        *sandbox.world.write().unwrap_or_else(|e| e.into_inner()) = fresh;
        *lock(&sandbox.rate_limits) = RateLimits::default();
        self.tokens
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|_, sb| sb != id);
        self.index_tokens(sandbox);
    }

    /// How many tokens the process-wide index holds (every sandbox's).
    pub fn indexed_tokens(&self) -> usize {
        self.tokens.read().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Adds every token the sandbox's world minted since the last call to the index.
    pub fn index_tokens(&self, sandbox: &Sandbox) {
        let (minted, app_token) = sandbox.with_world(|w, _| (w.take_minted_tokens(), w.app.access_token()));
        // Called after every Graph request; most mint nothing, and a write lock here would
        // serialise every connection's token lookup behind it.
        if minted.is_empty()
            && self
                .tokens
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .get(&app_token)
                .is_some_and(|sb| *sb == sandbox.id)
        {
            return;
        }
        let mut index = self.tokens.write().unwrap_or_else(|e| e.into_inner());
        index.insert(app_token, sandbox.id.clone());
        for t in minted {
            index.insert(t, sandbox.id.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::seed::build_world;

    fn registry(idle: u64) -> Sandboxes {
        let cfg = Config {
            clock: ClockMode::Frozen,
            sandbox_idle_seconds: idle,
            ..Config::default()
        };
        Sandboxes::new(cfg, SeedWorld::new(crate::app::demo_world())).expect("the demo world builds")
    }

    #[test]
    fn a_sandbox_made_from_a_kept_base_is_the_world_built_on_its_own() {
        let sbs = registry(0);
        let a = sbs.create(Some("a".into()), SeedWorld::new(crate::app::demo_world()), None);
        let a = a.expect("sandbox a");
        // Change a's world: the base it came from must not see it.
        a.with_world(|w, _| {
            w.media.clear();
            w.tokens.clear();
        });
        let b = sbs
            .create(Some("b".into()), SeedWorld::new(crate::app::demo_world()), None)
            .expect("sandbox b");
        let cfg = &sbs.config;
        let mut alone = build_world(&crate::app::demo_world(), cfg, cfg.seed, "b", cfg.frozen_epoch).expect("builds");
        // The registry has taken b's minted tokens into its index.
        for t in alone.take_minted_tokens() {
            assert_eq!(sbs.by_token(&t).map(|s| s.id.clone()).as_deref(), Some("b"));
        }
        b.with_world(|w, _| assert_eq!(format!("{w:?}"), format!("{alone:?}")));
    }

    #[test]
    fn sandboxes_of_one_seed_share_its_data_and_own_their_tokens() {
        let sbs = registry(0);
        let seed = SeedWorld::new(crate::app::demo_world());
        let a = sbs.create(Some("a".into()), seed.clone(), None).expect("a");
        let b = sbs.create(Some("b".into()), seed, None).expect("b");
        let (shared, tokens_a) = a.with_world(|wa, _| {
            b.with_world(|wb, _| {
                let shared =
                    wa.media.ptr_eq(&wb.media) && wa.comments.ptr_eq(&wb.comments) && wa.nodes.ptr_eq(&wb.nodes);
                assert!(
                    wa.tokens.keys().all(|t| !wb.tokens.contains_key(t)),
                    "a token is in both sandboxes"
                );
                assert_ne!(wa.app.secret, wb.app.secret);
                (shared, wa.tokens.keys().cloned().collect::<Vec<_>>())
            })
        });
        assert!(shared, "sandboxes of one seed world copied its media, comments or ids");
        // Every seeded token of a's, and only those, leads to a; users and Pages hold them.
        for t in &tokens_a {
            assert_eq!(sbs.by_token(t).map(|s| s.id.clone()).as_deref(), Some("a"));
        }
        a.with_world(|w, _| {
            assert!(w.users.values().all(|u| w.tokens.contains_key(&u.access_token)));
            assert!(w
                .pages
                .values()
                .all(|p| p.page_tokens.values().all(|t| w.tokens.contains_key(t))));
        });
    }

    #[test]
    fn idle_sandboxes_are_reclaimed_and_default_never() {
        let sbs = registry(600);
        let a = sbs.create(Some("a".into()), SeedWorld::new(crate::app::demo_world()), None);
        let used = a.expect("a").last_used();
        assert!(sbs.reap_idle(used + 599).is_empty());
        assert_eq!(sbs.reap_idle(used + 600), vec!["a".to_string()]);
        assert_eq!(sbs.ids(), vec![DEFAULT_SANDBOX.to_string()]);
        assert_eq!(
            sbs.indexed_tokens(),
            sbs.get(DEFAULT_SANDBOX)
                .map_or(0, |d| d.with_world(|w, _| w.tokens.len() + 1))
        );
    }

    #[test]
    fn an_idle_time_of_zero_keeps_sandboxes() {
        let sbs = registry(0);
        sbs.create(Some("a".into()), SeedWorld::new(crate::app::demo_world()), None)
            .expect("a");
        assert!(sbs.reap_idle(i64::MAX).is_empty());
        assert_eq!(sbs.ids().len(), 2);
    }
}
