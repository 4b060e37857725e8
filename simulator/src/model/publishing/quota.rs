//! THE publishing quotas, on [`Window`]s of the sandbox clock: API-published posts per
//! account (`PublishingConfig::quota_total` per `quota_duration`: production's 100 per 24 h,
//! the guides' 50; facts §4.5, §9) and containers created per account (`container_cap` per
//! `container_cap_window_seconds`: 400 per 24 h, facts §2). The tagged-posts quota is
//! `model::shopping`'s, counted in the same window.

use super::*;

impl Publishing {
    /// Publishes by `owner` inside the moving window ending at `now` (facts §4.5).
    pub(crate) fn usage(&self, owner: IgUserId, now: i64, window: i64, since: Option<i64>) -> u32 {
        let Some(v) = self.publishes.get(&owner) else { return 0 };
        let from = since.map_or(0, |s| v.partition_point(|p| p.at < s));
        Window::of(window).count_sorted(now, &v[from..], |p| p.at) as u32
    }

    /// Containers `owner` created in the `window` seconds ending at `now` (the container cap).
    pub(crate) fn containers_created(&self, owner: IgUserId, now: i64, window: i64) -> u32 {
        self.created
            .get(&owner)
            .map_or(0, |v| Window::of(window).count_sorted(now, v, |t| *t) as u32)
    }

    /// Adds a container, indexed by owner and creation time.
    pub(crate) fn insert_container(&mut self, id: ContainerId, container: Container) {
        let times = self.created.entry(container.spec.owner).or_default();
        let at = times.partition_point(|t| *t <= container.created_at);
        times.insert(at, container.created_at);
        self.containers.insert(id, container);
    }

    /// Records a publish by `owner`, kept in time order.
    pub(crate) fn record_publish(&mut self, owner: IgUserId, record: PublishRecord) {
        let v = self.publishes.entry(owner).or_default();
        let at = v.partition_point(|p| p.at <= record.at);
        v.insert(at, record);
    }

    /// Rebuilds the creation-time index from the containers (a world read from a snapshot).
    pub(crate) fn reindex(&mut self) {
        self.created.clear();
        for c in self.containers.values() {
            self.created.entry(c.spec.owner).or_default().push(c.created_at);
        }
        for times in self.created.values_mut() {
            times.sort_unstable();
        }
    }
}

/// The container cap: refused once `owner` created `container_cap` containers in the window.
pub(super) fn check_container_cap(world: &World, owner: IgUserId, now: i64, cfg: &PublishingConfig) -> GraphResult<()> {
    if world
        .publishing
        .containers_created(owner, now, cfg.container_cap_window_seconds)
        >= cfg.container_cap
    {
        return Err(GraphError::container_cap_reached(
            cfg.container_cap,
            cfg.container_cap_window_seconds,
            cfg.container_cap_code,
            cfg.container_cap_subcode,
        ));
    }
    Ok(())
}

/// The publishing quota: refused once `owner` published `quota_total` posts in the window.
pub(super) fn check_publish_quota(world: &World, owner: IgUserId, now: i64, cfg: &PublishingConfig) -> GraphResult<()> {
    if world.publishing.usage(owner, now, cfg.quota_duration, None) >= cfg.quota_total {
        return Err(GraphError::publish_quota_reached());
    }
    Ok(())
}
