//! Per-sandbox capacity: the most objects a sandbox keeps of each kind clients create at run
//! time. Production has no limit igsim can model for these (a post takes millions of
//! comments); a simulator shared by a team's CI must not grow until the machine runs out of
//! memory (issue 13), so each kind has a knob, and a write past it is refused with a clear
//! error naming the knob (`GraphError::sandbox_full`, the control plane's 429): nothing
//! acknowledged is ever dropped. What a seed world holds does not count; deleting comments
//! or a reset makes room. Production's own limits come first (400 containers per account per
//! 24 h, 100 posts, text lengths: `PublishingConfig`, `model::media::MAX_CAPTION_CHARS`).

use serde::{Deserialize, Serialize};

/// One kind of object a sandbox keeps a bounded number of (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CapacityArea {
    /// Comments and replies: Graph writes, mention replies, outside-world events and
    /// background activity.
    Comments,
    /// Media: published posts with their carousel items, stories; outside-world posts,
    /// tagged photos and live broadcasts.
    Media,
    /// Media containers, whatever their status.
    Containers,
    /// Instagram accounts the outside world brings in (an event naming an unknown username).
    Accounts,
    /// Tokens minted at run time: login code exchanges, token exchanges and refreshes.
    Tokens,
}

impl CapacityArea {
    /// Every capped kind.
    pub(crate) const ALL: [CapacityArea; 5] = [
        CapacityArea::Comments,
        CapacityArea::Media,
        CapacityArea::Containers,
        CapacityArea::Accounts,
        CapacityArea::Tokens,
    ];

    /// What the error calls these objects (plural).
    pub(crate) fn noun(self) -> &'static str {
        match self {
            CapacityArea::Comments => "comments and replies",
            CapacityArea::Media => "media",
            CapacityArea::Containers => "media containers",
            CapacityArea::Accounts => "outside-world Instagram accounts",
            CapacityArea::Tokens => "access tokens",
        }
    }

    /// How a client makes room again: only comments can be deleted through the API.
    pub(crate) fn room_hint(self) -> &'static str {
        match self {
            CapacityArea::Comments => "delete some or reset the sandbox (POST /_sim/sandboxes/{id}/reset)",
            _ => "reset the sandbox (POST /_sim/sandboxes/{id}/reset)",
        }
    }

    /// The kind's name in `--capacity <name>=<n>` and in `Config::capacity.<name>`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            CapacityArea::Comments => "comments",
            CapacityArea::Media => "media",
            CapacityArea::Containers => "containers",
            CapacityArea::Accounts => "accounts",
            CapacityArea::Tokens => "tokens",
        }
    }
}

/// A number per capped kind: the limits ([`CapacityConfig`]) or what a world holds
/// (`model::capacity::Sizes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PerArea {
    pub comments: usize,
    pub media: usize,
    pub containers: usize,
    pub accounts: usize,
    pub tokens: usize,
}

/// The limits, per sandbox, on objects created at run time (beyond the seed world's). The
/// defaults keep a sandbox at its fullest within about 150 MiB even with every text at its
/// longest (2,200 characters: 20,000 such comments measured 70 MiB), while leaving room for
/// months of simulated traffic.
pub(crate) type CapacityConfig = PerArea;

impl PerArea {
    /// Nothing of any kind.
    pub(crate) const ZERO: PerArea = PerArea {
        comments: 0,
        media: 0,
        containers: 0,
        accounts: 0,
        tokens: 0,
    };

    /// The number for `area`.
    pub(crate) fn get(&self, area: CapacityArea) -> usize {
        match area {
            CapacityArea::Comments => self.comments,
            CapacityArea::Media => self.media,
            CapacityArea::Containers => self.containers,
            CapacityArea::Accounts => self.accounts,
            CapacityArea::Tokens => self.tokens,
        }
    }

    /// The number for `area`, to change.
    fn get_mut(&mut self, area: CapacityArea) -> &mut usize {
        match area {
            CapacityArea::Comments => &mut self.comments,
            CapacityArea::Media => &mut self.media,
            CapacityArea::Containers => &mut self.containers,
            CapacityArea::Accounts => &mut self.accounts,
            CapacityArea::Tokens => &mut self.tokens,
        }
    }

    /// Sets limits from `--capacity` text: comma-separated `<kind>=<n>` pairs, a kind being
    /// one of [`CapacityArea::name`] (`comments=50000,media=20000`), each kind at most once.
    /// Errors name the bad pair (an empty one included) and the kinds there are.
    pub fn set_from_arg(&mut self, text: &str) -> Result<(), String> {
        let kinds = || CapacityArea::ALL.map(CapacityArea::name).join(", ");
        if text.trim().is_empty() {
            return Err(format!("expected <kind>=<n> pairs (kinds: {})", kinds()));
        }
        let mut seen = Vec::new();
        for pair in text.split(',').map(str::trim) {
            if pair.is_empty() {
                return Err(format!("an empty pair in `{text}` (kinds: {})", kinds()));
            }
            let (name, n) = pair
                .split_once('=')
                .ok_or_else(|| format!("`{pair}` is not <kind>=<n> (kinds: {})", kinds()))?;
            let area = CapacityArea::ALL
                .into_iter()
                .find(|a| a.name() == name.trim())
                .ok_or_else(|| format!("`{}` is not a capacity kind (kinds: {})", name.trim(), kinds()))?;
            if seen.contains(&area) {
                return Err(format!("`{}` is given twice", area.name()));
            }
            seen.push(area);
            *self.get_mut(area) = n
                .trim()
                .parse()
                .map_err(|_| format!("`{pair}`: the limit is a whole number of objects"))?;
        }
        Ok(())
    }
}

impl Default for PerArea {
    /// The default limits.
    fn default() -> Self {
        PerArea {
            comments: 20_000,
            media: 10_000,
            containers: 10_000,
            accounts: 10_000,
            tokens: 10_000,
        }
    }
}
