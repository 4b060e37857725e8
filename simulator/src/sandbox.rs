//! Sandboxes: isolated worlds in one process, each with its own world, tokens, ids and
//! virtual clock, plus the process-wide index from token to sandbox.
//!
//! The world lock is a std `RwLock` taken only inside synchronous closures, never across an
//! `.await`: reads ([`Sandbox::read_world`]) of one sandbox proceed in parallel, writes
//! ([`Sandbox::with_world`]) one at a time. Per-request bookkeeping has small locks of its
//! own: rate-limit counters ([`Sandbox::with_rate_limits`], taken after the world's when both
//! are held), the request journal and the fault rules ([`Sandbox::with_journal`],
//! [`Sandbox::with_faults`], never held together with the world's), so counting, recording or
//! judging a request never waits for a response being rendered.
//!
//! Sandboxes are cheap (issue 12): a seed world is built once per (seed, world seed, start
//! time) into a `model::seed::Base` kept in [`Bases`] (`sandbox/bases.rs`), and each sandbox
//! made from it starts as a clone
//! that shares all of its data ([`crate::model::shared`]). Sandboxes nobody has used for
//! `Config::sandbox_idle_seconds` of wall-clock time are reclaimed ([`Sandboxes::reap_idle`]).
//! A snapshot ([`Sandbox::snapshot`]) clones the world under the read lock (pointers, not
//! objects) and is written out after the lock is released.

use crate::clock::{os_now, SandboxClock};
use crate::config::{ClockMode, Config};
use crate::faults::Faults;
use crate::journal::{Journal, Page, RequestFilter};
use crate::model::ratelimit::RateLimits;
use crate::model::World;
use crate::snapshot::Snapshot;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

mod bases;
pub(crate) use bases::{Bases, SeedWorld};
mod budgets;
mod persisted;
pub(crate) use persisted::{Durable, Persisted};

pub const DEFAULT_SANDBOX: &str = "default";

pub struct Sandbox {
    pub(crate) id: String,
    seed: SeedWorld,
    world_seed: u64,
    world: RwLock<World>,
    /// Read by every request (an `RwLock`: readers do not queue behind each other).
    clock: RwLock<SandboxClock>,
    /// Rate-limit windows and overrides: bookkeeping outside the world lock.
    rate_limits: Mutex<RateLimits>,
    /// When a request last reached this sandbox (OS seconds): the idle reaper's measure.
    last_used: AtomicI64,
    journal: Mutex<Journal>,
    faults: Mutex<Faults>,
    /// What the state directory holds of this sandbox (`app/persister.rs`).
    pub(crate) persisted: Persisted,
    /// Received media bytes its world keeps for the CDN, as last counted
    /// ([`Sandboxes::cdn_room`]) plus what was kept since.
    cdn_kept: AtomicU64,
}

/// A sandbox shows as its id (its world is too large to print).
impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox").field("id", &self.id).finish_non_exhaustive()
    }
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
    pub(crate) fn new(
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
        let now = clock.now(os);
        let world = bases.get(&seed, cfg, world_seed, now)?.instantiate(world_seed, &id);
        let mut faults = Faults::new(crate::ids::stable_hash(&[&world_seed.to_le_bytes(), id.as_bytes()]));
        faults
            .add(cfg.faults.clone(), now, cfg)
            .map_err(|e| format!("fault rules of the configuration: {e}"))?;
        Ok(Sandbox {
            id,
            seed,
            world_seed,
            cdn_kept: AtomicU64::new(crate::model::publishing::received_bytes(&world)),
            world: RwLock::new(world),
            clock: RwLock::new(clock),
            rate_limits: Mutex::default(),
            last_used: AtomicI64::new(os),
            journal: Mutex::new(Journal::new(cfg.journal_capacity, cfg.journal_max_bytes)),
            faults: Mutex::new(faults),
            persisted: Default::default(),
        })
    }

    /// The sandbox whole, as plain data (`snapshot::Snapshot`). Each part is read under its own
    /// lock; a change under way shows in a later snapshot (`app::persister::Persister`).
    pub(crate) fn snapshot(&self) -> Snapshot {
        Snapshot {
            igsim_snapshot: crate::snapshot::SNAPSHOT_VERSION,
            igsim_version: env!("CARGO_PKG_VERSION").to_string(),
            id: self.id.clone(),
            seed_world: (*self.seed.world).clone(),
            world_seed: self.world_seed,
            clock: self.clock(),
            world: self.world.read().unwrap_or_else(|e| e.into_inner()).clone(),
            rate_limits: self.with_rate_limits(|r| r.clone()),
            faults: self.with_faults(|f| f.clone()),
            journal_seq: self.with_journal(|j| j.last_seq()),
        }
    }

    /// A sandbox restored from a snapshot under `id`: the same world, tokens, ids to come,
    /// clock, fault rules and journal numbering. Webhook sends under way when it was taken are
    /// due again. Its journal starts empty with `Config::journal_capacity`.
    pub(crate) fn from_snapshot(snapshot: Snapshot, id: String, cfg: &Config) -> Result<Self, String> {
        let Snapshot {
            seed_world,
            world_seed,
            clock,
            mut world,
            rate_limits,
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
        world.check_seeded(cfg.max_world_objects)?;
        rate_limits.check()?;
        world.reserve_node_ids();
        faults.revalidate(now, cfg).map_err(|e| format!("fault rules: {e}"))?;
        world.sandbox = id.clone();
        if world.seeded.is_none() {
            world.seeded = Some(world.sizes());
        }
        world.requeue_in_flight_webhooks(now);
        // Indexes derived from the records are not in the snapshot.
        world.publishing.reindex();
        let mut journal = Journal::new(cfg.journal_capacity, cfg.journal_max_bytes);
        journal.resume_after(journal_seq);
        Ok(Sandbox {
            id,
            seed: SeedWorld::new(seed_world),
            world_seed,
            cdn_kept: AtomicU64::new(crate::model::publishing::received_bytes(&world)),
            world: RwLock::new(world),
            clock: RwLock::new(clock),
            rate_limits: Mutex::new(rate_limits),
            last_used: AtomicI64::new(os_now()),
            journal: Mutex::new(journal),
            faults: Mutex::new(faults),
            persisted: Default::default(),
        })
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
    pub(crate) fn with_journal<R>(&self, f: impl FnOnce(&mut Journal) -> R) -> R {
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
    pub(crate) fn last_used(&self) -> i64 {
        self.last_used.load(Ordering::Relaxed)
    }

    pub(crate) fn now(&self) -> i64 {
        self.clock.read().unwrap_or_else(|e| e.into_inner()).now(os_now())
    }

    pub(crate) fn clock(&self) -> SandboxClock {
        self.clock.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub(crate) fn with_clock<R>(&self, f: impl FnOnce(&mut SandboxClock, i64) -> R) -> R {
        f(&mut self.clock.write().unwrap_or_else(|e| e.into_inner()), os_now())
    }

    /// Runs `f` on the world at the sandbox's current time, alone (a write).
    pub(crate) fn with_world<R>(&self, f: impl FnOnce(&mut World, i64) -> R) -> R {
        let now = self.now();
        f(&mut self.world.write().unwrap_or_else(|e| e.into_inner()), now)
    }

    /// Runs `f` on the world at the sandbox's current time, beside other readers.
    pub(crate) fn read_world<R>(&self, f: impl FnOnce(&World, i64) -> R) -> R {
        let now = self.now();
        f(&self.world.read().unwrap_or_else(|e| e.into_inner()), now)
    }

    /// Runs `f` on the sandbox's rate-limit state (its own lock: may be taken inside
    /// [`Sandbox::read_world`] or [`Sandbox::with_world`], never the other way round).
    pub(crate) fn with_rate_limits<R>(&self, f: impl FnOnce(&mut RateLimits) -> R) -> R {
        f(&mut lock(&self.rate_limits))
    }

    /// Builds a fresh world from its seed at the current sandbox time (no lock held while
    /// building); [`Sandboxes::reset`] puts it in place.
    pub(crate) fn rebuilt_world(&self, cfg: &Config, bases: &Bases) -> Result<World, String> {
        Ok(bases
            .get(&self.seed, cfg, self.world_seed, self.now())?
            .instantiate(self.world_seed, &self.id))
    }
}

/// All sandboxes of the process and the token index.
pub struct Sandboxes {
    pub(crate) config: Config,
    map: RwLock<BTreeMap<String, Arc<Sandbox>>>,
    tokens: RwLock<std::collections::HashMap<String, String>>,
    counter: AtomicU64,
    bases: Arc<Bases>,
}

#[derive(Debug)]
pub(crate) enum SandboxError {
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
    pub(crate) fn new(config: Config, default_world: SeedWorld) -> Result<Self, String> {
        Self::with_restored(config, default_world, Vec::new())
    }

    /// Creates the registry with restored sandboxes (a state directory's), and `default`
    /// built from `default_world` unless it is among them.
    pub(crate) fn with_restored(
        config: Config,
        default_world: SeedWorld,
        restored: Vec<Snapshot>,
    ) -> Result<Self, String> {
        let s = Sandboxes {
            config,
            map: RwLock::new(BTreeMap::new()),
            tokens: RwLock::new(Default::default()),
            counter: AtomicU64::new(0),
            bases: Arc::default(),
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

    /// The base worlds sandboxes are made from (for builds off the request threads).
    pub(crate) fn bases(&self) -> Arc<Bases> {
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

    /// The sandbox `id`, not marked as used (background work must not keep a sandbox from
    /// being reclaimed).
    pub(crate) fn peek(&self, id: &str) -> Option<Arc<Sandbox>> {
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
    pub(crate) fn by_token(&self, token: &str) -> Option<Arc<Sandbox>> {
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
    pub(crate) fn create(
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
    pub(crate) fn reserve(&self, id: Option<String>) -> Result<String, SandboxError> {
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
    pub(crate) fn insert(&self, sandbox: Sandbox) -> Result<Arc<Sandbox>, SandboxError> {
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
        self.share_journals();
        Ok(sandbox)
    }

    /// Adds a sandbox restored from a snapshot under `id` (or, with `replace`, in place of the
    /// sandbox of that id, `default` included, whose journal numbering it continues). Refused
    /// when one of its tokens belongs to another sandbox: a token names exactly one sandbox
    /// (restore a copy once the original is deleted, or into another igsim).
    pub(crate) fn restore(
        &self,
        snapshot: Snapshot,
        id: Option<String>,
        replace: bool,
    ) -> Result<Arc<Sandbox>, SandboxError> {
        let id = match id {
            Some(id) => id,
            None => snapshot.id.clone(),
        };
        let existing = self.get(&id);
        if existing.is_some() && !replace {
            return Err(SandboxError::Exists(id));
        }
        let id = if existing.is_some() {
            id
        } else {
            self.reserve(Some(id))?
        };
        let sandbox =
            Arc::new(Sandbox::from_snapshot(snapshot, id.clone(), &self.config).map_err(SandboxError::BadSnapshot)?);
        // A sandbox put in place of another goes on with its journal's numbering (a snapshot
        // taken earlier numbers lower): a poller following it misses nothing after the swap.
        if let Some(old) = &existing {
            let seq = old.with_journal(|j| j.last_seq());
            sandbox.with_journal(|j| j.resume_after(seq));
        }
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
        drop((map, index));
        self.share_journals();
        Ok(sandbox)
    }

    /// Removes the sandbox `id` (never `default`) and its tokens; returns it (its state file
    /// is the caller's to forget, `State::forget`).
    pub(crate) fn delete(&self, id: &str) -> Result<Arc<Sandbox>, SandboxError> {
        if id == DEFAULT_SANDBOX {
            return Err(SandboxError::Protected);
        }
        let removed = self.map.write().unwrap_or_else(|e| e.into_inner()).remove(id);
        let Some(removed) = removed else {
            return Err(SandboxError::NotFound(id.into()));
        };
        self.tokens
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|_, sb| sb != id);
        self.share_journals();
        Ok(removed)
    }

    /// Removes every sandbox but `default` that no request has reached for
    /// `Config::sandbox_idle_seconds` of wall-clock time before `os_now` (0: never); the
    /// sandboxes removed. Their tokens go with them, as on `DELETE`.
    pub(crate) fn reap_idle(&self, os_now: i64) -> Vec<Arc<Sandbox>> {
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
        stale.into_iter().filter_map(|id| self.delete(&id).ok()).collect()
    }

    /// Puts a world built by [`Sandbox::rebuilt_world`] in place of a sandbox's (tokens
    /// minted since the last build are forgotten).
    pub(crate) fn reset(&self, sandbox: &Arc<Sandbox>, fresh: World) {
        let id = &sandbox.id;
        sandbox
            .cdn_kept
            .store(crate::model::publishing::received_bytes(&fresh), Ordering::Relaxed);
        *sandbox.world.write().unwrap_or_else(|e| e.into_inner()) = fresh;
        *lock(&sandbox.rate_limits) = RateLimits::default();
        self.tokens
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|_, sb| sb != id);
        self.index_tokens(sandbox);
    }

    /// How many tokens the process-wide index holds (every sandbox's).
    pub(crate) fn indexed_tokens(&self) -> usize {
        self.tokens.read().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Adds every token the sandbox's world minted since the last call to the index.
    pub(crate) fn index_tokens(&self, sandbox: &Sandbox) {
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
mod tests;
