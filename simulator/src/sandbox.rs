//! Sandboxes: isolated worlds in one process, each with its own world, tokens, ids and
//! virtual clock, plus the process-wide index from token to sandbox.
//!
//! The world lock is a std mutex taken only inside synchronous closures
//! ([`Sandbox::with_world`]), never across an `.await`. The request journal and the fault
//! rules have small locks of their own ([`Sandbox::with_journal`], [`Sandbox::with_faults`]),
//! never held together with the world's, so recording a request never waits on rendering.

use crate::clock::{os_now, SandboxClock};
use crate::config::{ClockMode, Config};
use crate::faults::Faults;
use crate::journal::{Journal, Page, RequestFilter};
use crate::model::seed::{build_world, WorldSeed};
use crate::model::World;
use crate::snapshot::Snapshot;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

pub const DEFAULT_SANDBOX: &str = "default";

pub struct Sandbox {
    pub id: String,
    seed: WorldSeed,
    world_seed: u64,
    world: Mutex<World>,
    clock: Mutex<SandboxClock>,
    journal: Mutex<Journal>,
    faults: Mutex<Faults>,
    /// Counts changes that may need writing to a state directory (`app/persister.rs`).
    generation: AtomicU64,
    /// What the state directory last got (an async lock: writers wait on it, group commit).
    pub(crate) persisted: tokio::sync::Mutex<Written>,
}

/// What a sandbox last had written to the state directory (`app/persister.rs`), guarded by
/// an async lock in [`Sandbox`].
#[derive(Debug, Default)]
pub struct Written {
    /// Every change marked up to this generation is on disk.
    pub generation: u64,
    /// Hash of the bytes written (an unchanged snapshot is not written again).
    pub hash: u64,
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
    pub fn new(id: String, seed: WorldSeed, world_seed: u64, cfg: &Config, start: Option<i64>) -> Result<Self, String> {
        let os = os_now();
        let clock = match cfg.clock {
            ClockMode::Real => SandboxClock::running_from(start.unwrap_or(os), os),
            ClockMode::Frozen => SandboxClock::frozen_at(start.unwrap_or(cfg.frozen_epoch)),
        };
        let now = clock.now(os);
        let world = build_world(&seed, cfg, world_seed, &id, now)?;
        let mut faults = Faults::new(crate::ids::stable_hash(&[&world_seed.to_le_bytes(), id.as_bytes()]));
        faults
            .add(cfg.faults.clone(), now, cfg)
            .map_err(|e| format!("fault rules of the configuration: {e}"))?;
        Ok(Sandbox {
            id,
            seed,
            world_seed,
            world: Mutex::new(world),
            clock: Mutex::new(clock),
            journal: Mutex::new(Journal::new(cfg.journal_capacity, cfg.journal_max_bytes)),
            faults: Mutex::new(faults),
            generation: AtomicU64::new(0),
            persisted: Default::default(),
        })
    }

    /// The sandbox whole, as plain data (`snapshot::Snapshot`). Each part is read under its own
    /// lock; a change under way shows in a later snapshot (`app::persister::Persister`).
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            igsim_snapshot: crate::snapshot::SNAPSHOT_VERSION,
            igsim_version: env!("CARGO_PKG_VERSION").to_string(),
            id: self.id.clone(),
            seed_world: self.seed.clone(),
            world_seed: self.world_seed,
            clock: self.clock(),
            world: lock(&self.world).clone(),
            faults: self.with_faults(|f| f.clone()),
            journal_seq: self.with_journal(|j| j.last_seq()),
        }
    }

    /// A sandbox restored from a snapshot under `id`: the same world, tokens, ids to come,
    /// clock, fault rules and journal numbering. Webhook sends under way when it was taken are
    /// due again. Its journal starts empty with `Config::journal_capacity`.
    pub fn from_snapshot(snapshot: Snapshot, id: String, cfg: &Config) -> Result<Self, String> {
        let Snapshot {
            seed_world,
            world_seed,
            clock,
            mut world,
            mut faults,
            journal_seq,
            ..
        } = snapshot;
        let now = clock.now(os_now());
        if !(0..=crate::clock::MAX_TIME).contains(&now) {
            return Err(format!(
                "its clock reads {now}: a sandbox's time is from 1970 to 9999-12-31T23:59:59Z"
            ));
        }
        crate::model::check::counter("journal_seq", journal_seq)?;
        crate::model::seed::check_bounds(&seed_world, cfg.max_world_objects).map_err(|e| format!("seed_world: {e}"))?;
        world.check()?;
        world.reserve_node_ids();
        faults.revalidate(now, cfg).map_err(|e| format!("fault rules: {e}"))?;
        world.sandbox = id.clone();
        if world.seeded.is_none() {
            world.seeded = Some(world.sizes());
        }
        world.requeue_in_flight_webhooks(now);
        let mut journal = Journal::new(cfg.journal_capacity, cfg.journal_max_bytes);
        journal.resume_after(journal_seq);
        Ok(Sandbox {
            id,
            seed: seed_world,
            world_seed,
            world: Mutex::new(world),
            clock: Mutex::new(clock),
            journal: Mutex::new(journal),
            faults: Mutex::new(faults),
            generation: AtomicU64::new(0),
            persisted: Default::default(),
        })
    }

    /// Notes that the sandbox may have changed; returns the change's generation.
    pub fn mark_changed(&self) -> u64 {
        self.generation.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// The newest change generation noted.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Every token of the world and the app token (what the token index needs for a
    /// restored sandbox).
    fn all_tokens(&self) -> Vec<String> {
        self.with_world(|w, _| {
            w.take_minted_tokens();
            w.tokens.keys().cloned().chain([w.app.access_token()]).collect()
        })
    }

    /// Runs `f` on the request journal (its own lock; never take the world's inside).
    pub fn with_journal<R>(&self, f: impl FnOnce(&mut Journal) -> R) -> R {
        f(&mut lock(&self.journal))
    }

    /// Runs `f` on the fault rules (their own lock; never take the world's inside).
    pub fn with_faults<R>(&self, f: impl FnOnce(&mut Faults) -> R) -> R {
        f(&mut lock(&self.faults))
    }

    /// The journal's entries matching `filter`, oldest first, at most `limit`
    /// ([`crate::journal::MAX_PAGE`] at most is useful; larger is allowed in-process).
    pub fn requests(&self, filter: &RequestFilter, limit: usize) -> Page {
        self.with_journal(|j| j.query(filter, limit))
    }

    /// How many journal entries match `filter` ("exactly one `POST …/media_publish`").
    pub fn request_count(&self, filter: &RequestFilter) -> usize {
        self.with_journal(|j| j.count(filter))
    }

    /// Empties the journal; returns how many entries it held.
    pub fn clear_requests(&self) -> usize {
        self.with_journal(Journal::clear)
    }

    pub fn now(&self) -> i64 {
        lock(&self.clock).now(os_now())
    }

    pub fn clock(&self) -> SandboxClock {
        lock(&self.clock).clone()
    }

    pub fn with_clock<R>(&self, f: impl FnOnce(&mut SandboxClock, i64) -> R) -> R {
        f(&mut lock(&self.clock), os_now())
    }

    /// Runs `f` on the world at the sandbox's current time.
    pub fn with_world<R>(&self, f: impl FnOnce(&mut World, i64) -> R) -> R {
        let now = self.now();
        f(&mut lock(&self.world), now)
    }

    /// Builds a fresh world from its seed at the current sandbox time (no lock held while
    /// building); [`Sandboxes::reset`] puts it in place.
    pub fn rebuilt_world(&self, cfg: &Config) -> Result<World, String> {
        build_world(&self.seed, cfg, self.world_seed, &self.id, self.now())
    }
}

/// All sandboxes of the process and the token index.
pub struct Sandboxes {
    pub config: Config,
    map: RwLock<BTreeMap<String, Arc<Sandbox>>>,
    tokens: RwLock<std::collections::HashMap<String, String>>,
    counter: AtomicU64,
}

#[derive(Debug)]
pub enum SandboxError {
    Exists(String),
    NotFound(String),
    BadId(String),
    BadWorld(String),
    /// A snapshot that does not restore (`Sandbox::from_snapshot`, `model::check`).
    BadSnapshot(String),
    Protected,
    /// `Config::max_sandboxes` sandboxes exist already.
    Full(usize),
    /// A snapshot's tokens belong to this other sandbox.
    TokensTaken(String),
}

impl Sandboxes {
    /// Creates the registry with the `default` sandbox built from `default_world`.
    pub fn new(config: Config, default_world: WorldSeed) -> Result<Self, String> {
        Self::with_restored(config, default_world, Vec::new())
    }

    /// Creates the registry with restored sandboxes (a state directory's), and `default`
    /// built from `default_world` unless it is among them.
    pub fn with_restored(config: Config, default_world: WorldSeed, restored: Vec<Snapshot>) -> Result<Self, String> {
        let s = Sandboxes {
            config,
            map: RwLock::new(BTreeMap::new()),
            tokens: RwLock::new(Default::default()),
            counter: AtomicU64::new(0),
        };
        for snapshot in restored {
            let id = snapshot.id.clone();
            s.restore(snapshot, None, false)
                .map_err(|e| format!("restoring sandbox {id}: {e:?}"))?;
        }
        if s.get(DEFAULT_SANDBOX).is_none() {
            s.create(Some(DEFAULT_SANDBOX.into()), default_world, None)
                .map_err(|e| format!("{e:?}"))?;
        }
        Ok(s)
    }

    pub fn get(&self, id: &str) -> Option<Arc<Sandbox>> {
        self.map.read().unwrap_or_else(|e| e.into_inner()).get(id).cloned()
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
        world: WorldSeed,
        seed: Option<u64>,
    ) -> Result<Arc<Sandbox>, SandboxError> {
        let id = self.reserve(id)?;
        let sandbox = Sandbox::new(id, world, seed.unwrap_or(self.config.seed), &self.config, None)
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

    /// Adds a sandbox restored from a snapshot under `id` (or, with `replace`, in place of the
    /// sandbox of that id, `default` included). Refused when one of its tokens belongs to
    /// another sandbox: a token names exactly one sandbox (restore a copy once the original is
    /// deleted, or into another igsim).
    pub fn restore(&self, snapshot: Snapshot, id: Option<String>, replace: bool) -> Result<Arc<Sandbox>, SandboxError> {
        let id = match id {
            Some(id) => id,
            None => snapshot.id.clone(),
        };
        let exists = self.get(&id).is_some();
        if exists && !replace {
            return Err(SandboxError::Exists(id));
        }
        let id = if exists { id } else { self.reserve(Some(id))? };
        let sandbox =
            Arc::new(Sandbox::from_snapshot(snapshot, id.clone(), &self.config).map_err(SandboxError::BadSnapshot)?);
        let tokens = sandbox.all_tokens();
        let mut map = self.map.write().unwrap_or_else(|e| e.into_inner());
        let mut index = self.tokens.write().unwrap_or_else(|e| e.into_inner());
        if let Some(other) = tokens.iter().filter_map(|t| index.get(t)).find(|owner| **owner != id) {
            return Err(SandboxError::TokensTaken(other.clone()));
        }
        if !map.contains_key(&id) {
            self.check_room(map.len())?;
        }
        index.retain(|_, sb| *sb != id);
        for t in tokens {
            index.insert(t, id.clone());
        }
        map.insert(id, sandbox.clone());
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

    /// Puts a world built by [`Sandbox::rebuilt_world`] in place of a sandbox's (tokens
    /// minted since the last build are forgotten).
    pub fn reset(&self, sandbox: &Arc<Sandbox>, fresh: World) {
        let id = &sandbox.id;
        *lock(&sandbox.world) = fresh;
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
