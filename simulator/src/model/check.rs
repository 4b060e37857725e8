//! The invariants of a world igsim did not build itself (a snapshot restored through
//! `POST /_sim/sandboxes` or read from a state directory): every reference names something
//! the world holds, every time is one a Graph timestamp can express, every count and counter
//! stays far from overflow. A world igsim builds keeps them; a snapshot edited by hand or by
//! a hostile client need not, and without this check its first read could fail (issue 13).

use super::world::{TimeKey, World};
use crate::clock::MAX_TIME;
use crate::ids::{CommentId, IgUserId, MediaId};

/// Largest count a world may hold (a seed world's checked before it is built, `model::seed`): likes (of a post, a comment or a `generate` block's
/// range), followers and follows. More than any post or account has (the most-followed
/// account has under 10^9 followers), and small enough that every value derived from counts
/// (insights add and scale them over thousands of media and days) stays far from overflow.
pub(crate) const MAX_COUNT: u64 = 1_000_000_000_000;

/// Largest value a running counter (insertion sequences, delivery and POST numbers, the
/// journal's) may start from: 2^53, so that counting on never overflows.
pub(crate) const MAX_COUNTER: u64 = 1 << 53;

/// `Err` naming `what` unless `t` is a time a Graph timestamp can express, either side of
/// 1970 (|t| at most [`MAX_TIME`]): every `now - t` and `t + window` stays far from overflow.
pub(crate) fn time(what: &str, t: i64) -> Result<(), String> {
    if t.checked_abs().is_some_and(|a| a <= MAX_TIME) {
        Ok(())
    } else {
        Err(format!(
            "{what} has the time {t}: times are within {MAX_TIME} seconds of 1970"
        ))
    }
}

/// `Err` naming `what` unless the counter `n` is at most [`MAX_COUNTER`].
pub(crate) fn counter(what: &str, n: u64) -> Result<(), String> {
    if n <= MAX_COUNTER {
        Ok(())
    } else {
        Err(format!("{what} is {n}: at most {MAX_COUNTER}"))
    }
}

fn count(what: &str, n: u64) -> Result<(), String> {
    if n <= MAX_COUNT {
        Ok(())
    } else {
        Err(format!("{what} is {n}: at most {MAX_COUNT}"))
    }
}

fn key(what: &str, k: &TimeKey) -> Result<(), String> {
    time(what, k.0)?;
    counter(what, k.1)
}

fn missing(what: &str, id: impl std::fmt::Display) -> String {
    format!("{what} names {id}, which the snapshot does not hold")
}

impl World {
    fn has_account(&self, what: &str, ig: IgUserId) -> Result<(), String> {
        self.ig_users
            .contains_key(&ig)
            .then_some(())
            .ok_or_else(|| missing(what, ig))
    }

    fn has_media(&self, what: &str, m: MediaId) -> Result<(), String> {
        self.media
            .contains_key(&m)
            .then_some(())
            .ok_or_else(|| missing(what, m))
    }

    fn has_comment(&self, what: &str, c: CommentId) -> Result<(), String> {
        self.comments
            .contains_key(&c)
            .then_some(())
            .ok_or_else(|| missing(what, c))
    }

    /// Checks the invariants (see the module docs); the error names the first record that
    /// breaks one.
    pub(crate) fn check(&self) -> Result<(), String> {
        counter("world.seq", self.seq)?;
        time("app.created_time", self.app.created_time)?;
        for (value, t) in &self.tokens {
            let what = format!("token {}…", value.chars().take(8).collect::<String>());
            time(&what, t.issued_at)?;
            time(&what, t.data_access_expires_at)?;
            if let Some(e) = t.expires_at {
                time(&what, e)?;
            }
            match t.kind {
                super::TokenKind::User(u) if !self.users.contains_key(&u) => return Err(missing(&what, u)),
                super::TokenKind::Page { page, user }
                    if !self.pages.contains_key(&page) || !self.users.contains_key(&user) =>
                {
                    return Err(missing(&what, page))
                }
                super::TokenKind::Instagram(ig) => self.has_account(&what, ig)?,
                _ => {}
            }
        }
        for (id, page) in &self.pages {
            if let Some(ig) = page.ig_user {
                self.has_account(&format!("page {id}"), ig)?;
            }
            for user in page.roles.keys() {
                if !self.users.contains_key(user) {
                    return Err(missing(&format!("page {id}"), user));
                }
            }
        }
        for (id, a) in &self.ig_users {
            count(&format!("account {id} followers_count"), a.followers_count)?;
            count(&format!("account {id} follows_count"), a.follows_count)?;
        }
        for (name, ig) in &self.usernames {
            self.has_account(&format!("username {name}"), *ig)?;
        }
        for (id, m) in &self.media {
            let what = format!("media {id}");
            self.has_account(&what, m.owner)?;
            time(&what, m.timestamp)?;
            counter(&what, m.seq)?;
            count(&format!("{what} like_count"), m.like_count)?;
            for child in m.children.iter().chain(&m.parent) {
                self.has_media(&what, *child)?;
            }
            for (k, c) in &m.comments {
                key(&what, k)?;
                self.has_comment(&what, *c)?;
            }
        }
        for (id, c) in &self.comments {
            let what = format!("comment {id}");
            self.has_media(&what, c.media)?;
            self.has_account(&what, c.from)?;
            time(&what, c.timestamp)?;
            counter(&what, c.seq)?;
            count(&format!("{what} like_count"), c.like_count)?;
            if let Some(p) = c.parent {
                self.has_comment(&what, p)?;
            }
            for (k, r) in &c.replies {
                key(&what, k)?;
                self.has_comment(&what, *r)?;
            }
        }
        for (name, index) in [("feed", &self.feed), ("stories", &self.stories)] {
            self.check_index(name, index)?;
        }
        self.check_index("shopping.tagged_posts", &self.shopping.tagged_posts)?;
        for (id, c) in &self.publishing.containers {
            let what = format!("container {id}");
            self.has_account(&what, c.spec.owner)?;
            for t in [c.created_at, c.expires_at, c.lifetime]
                .into_iter()
                .chain(c.ready_at)
                .chain(c.published.map(|p| p.0))
            {
                time(&what, t)?;
            }
            if let Some((_, m)) = c.published {
                self.has_media(&what, m)?;
            }
        }
        for (ig, records) in &self.publishing.publishes {
            for r in records {
                time(&format!("a publish of {ig}"), r.at)?;
            }
        }
        for (ig, searches) in &self.hashtags.searches {
            for s in searches.values() {
                time(&format!("a hashtag search of {ig}"), s.first)?;
                counter(&format!("a hashtag search of {ig}"), s.seq)?;
            }
        }
        for code in self.login.codes.values() {
            time("a login code", code.issued_at)?;
            time("a login code", code.expires_at)?;
        }
        self.webhooks.check()
    }

    /// What `seeded` may say the seed world held (the share `World::room_for` leaves out of
    /// the capacity): no more comments than a seed world may hold objects (`max_objects`:
    /// seeded comments can be deleted, so the world may now hold fewer), and of every other
    /// kind, none of which can be deleted, no more than the world holds. A snapshot claiming
    /// more would lift the sandbox's capacity.
    pub(crate) fn check_seeded(&self, max_objects: u64) -> Result<(), String> {
        let Some(seeded) = self.seeded else { return Ok(()) };
        let now = self.sizes();
        for area in crate::config::CapacityArea::ALL {
            let claimed = seeded.get(area);
            let most = match area {
                crate::config::CapacityArea::Comments => usize::try_from(max_objects).unwrap_or(usize::MAX),
                _ => now.get(area),
            };
            if claimed > most {
                return Err(format!(
                    "seeded says the seed world held {claimed} {}: at most {most}",
                    area.noun()
                ));
            }
        }
        Ok(())
    }

    /// Marks every id the world names as taken, so the ids minted next never reuse one (a
    /// snapshot's id stream may have been edited).
    pub(crate) fn reserve_node_ids(&mut self) {
        let ids: Vec<u64> = self.nodes.keys().copied().collect();
        for id in ids {
            self.ids.reserve(id);
        }
    }

    /// A time index (`feed`, `stories`, tagged posts): accounts and media it names exist, and
    /// its keys are in range.
    fn check_index<'a, I, J>(&self, name: &str, index: I) -> Result<(), String>
    where
        I: IntoIterator<Item = (&'a IgUserId, J)>,
        J: IntoIterator<Item = (&'a TimeKey, &'a MediaId)>,
    {
        for (ig, items) in index {
            let what = format!("{name} of {ig}");
            self.has_account(&what, *ig)?;
            for (k, m) in items {
                key(&what, k)?;
                self.has_media(&what, *m)?;
            }
        }
        Ok(())
    }
}
