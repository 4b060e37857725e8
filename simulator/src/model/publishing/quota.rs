//! THE publishing quotas, on [`Window`]s of the sandbox clock: API-published posts per
//! account (`PublishingConfig::quota_total` per `quota_duration`: production's 100 per 24 h,
//! the guides' 50; facts §4.5, §9) and containers created per account (`container_cap` per
//! `container_cap_window_seconds`: 400 per 24 h, facts §2). The tagged-posts quota is
//! `model::shopping`'s, counted in the same window.

use super::*;

/// One API publish, for the quota windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishRecord {
    pub at: i64,
    pub media: MediaId,
}

impl Publishing {
    /// Publishes by `owner` inside the moving window ending at `now` (facts §4.5).
    pub fn usage(&self, owner: IgUserId, now: i64, window: i64, since: Option<i64>) -> u32 {
        let times = self.publishes.get(&owner).into_iter().flatten().map(|p| p.at);
        Window::of(window).count(now, times.filter(|&t| since.is_none_or(|s| t >= s))) as u32
    }

    /// Containers `owner` created in the `window` seconds ending at `now` (the container cap).
    pub fn containers_created(&self, owner: IgUserId, now: i64, window: i64) -> u32 {
        let mine = self.containers.values().filter(|c| c.spec.owner == owner);
        Window::of(window).count(now, mine.map(|c| c.created_at)) as u32
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
