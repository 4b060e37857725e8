//! Client JSON inputs parsed into typed values before the model sees them: product tag lists
//! (`product_tags`, `updated_tags`, `deleted_tags`), user tags, collaborators and carousel
//! children; the bounds of stored texts without a documented limit. JSON comes as a JSON
//! body's value or as a parameter holding JSON or the docs' JSON-ish syntax
//! (`GraphRequest::json_param`).

use crate::error::{GraphError, GraphResult};
use crate::http::graph::Ctx;
use crate::http::request::{parse_jsonish, GraphRequest};
use crate::ids::{parse_id, ContainerId, IgUserId};
use crate::model::media::UserTag;
use crate::model::publishing::ContainerKind;
use crate::model::shopping::{Given, TagInput, TagList};
use crate::model::World;
use serde_json::{Map, Value};

/// The longest text igsim keeps of a parameter without a documented limit (a container's
/// `alt_text` and `audio_name`, a product appeal's `appeal_reason`, a searched hashtag's
/// `q`): production's limits are
/// not documented (UNCONFIRMED); a caption's is used so no input grows a sandbox without bound.
pub(crate) const MAX_TEXT_PARAM_CHARS: usize = crate::model::media::MAX_CAPTION_CHARS;

/// The longest media URL a container keeps (`image_url`, `video_url`, `cover_url`): longer
/// than any storage service's signed URL (about 2,000 characters); production's limit is not
/// documented (UNCONFIRMED). Without it a container kept whatever a 16 MiB body held.
pub(crate) const MAX_MEDIA_URL_CHARS: usize = 8_192;

/// `(#100) Param {param} must be at most {max} characters long` for a longer `text`.
pub(crate) fn bounded_text(param: &str, text: &str, max: usize) -> GraphResult<()> {
    let n = text.chars().count();
    if n > max {
        return Err(GraphError::text_too_long(param, n, max));
    }
    Ok(())
}

/// Most people tagged on one media (facts §4.4).
const MAX_USER_TAGS: usize = 20;
/// Most collaborators invited on one media (facts §4.2).
const MAX_COLLABORATORS: usize = 3;

/// A product-tag list: a JSON array of objects, or a string holding one in the docs'
/// JSON-ish syntax (`[{product_id:'3231775643511089',x:0.5,y:0.8}]`); `None` for `null`.
pub(crate) fn product_tags(raw: &Value) -> Option<TagList> {
    let parsed;
    let value = match raw {
        Value::Null => return None,
        Value::String(s) => match parse_jsonish(s) {
            Ok(v) => {
                parsed = v;
                &parsed
            }
            Err(_) => return Some(TagList::Malformed),
        },
        v => v,
    };
    let Value::Array(items) = value else {
        return Some(TagList::Malformed);
    };
    let tags: Option<Vec<TagInput>> = items.iter().map(|t| t.as_object().map(tag_input)).collect();
    Some(tags.map_or(TagList::Malformed, TagList::Items))
}

/// One tag object's values, read as the client gave them.
fn tag_input(t: &Map<String, Value>) -> TagInput {
    let id = |key: &str| match t.get(key) {
        None | Some(Value::Null) => Given::Missing,
        // A number or a digit string (the guide's samples quote them).
        Some(Value::Number(n)) => n.as_u64().map_or(Given::Invalid, Given::Value),
        Some(Value::String(s)) => parse_id(s.trim()).map_or(Given::Invalid, Given::Value),
        Some(_) => Given::Invalid,
    };
    let coordinate = |key: &str| match t.get(key) {
        None | Some(Value::Null) => Given::Missing,
        Some(Value::Number(n)) => n.as_f64().map_or(Given::Invalid, Given::Value),
        Some(Value::String(s)) => s.trim().parse::<f64>().map_or(Given::Invalid, Given::Value),
        Some(_) => Given::Invalid,
    };
    TagInput {
        product_id: id("product_id"),
        merchant_id: id("merchant_id"),
        x: coordinate("x"),
        y: coordinate("y"),
    }
}

/// The accounts behind usernames the client gave (`user_tags`, `collaborators`), in order:
/// each must be exactly an existing public account's username (guide: "You can only tag users
/// with public Instagram accounts"). Unknown and private accounts, and names written with a
/// leading `@`, fail the whole request with production's 110/2207018 naming every one of them
/// (facts §9 "Usernames the client supplies").
pub(crate) fn accessible_users(world: &World, names: &[&str]) -> GraphResult<Vec<String>> {
    let mut found = Vec::new();
    let mut refused = Vec::new();
    for name in names {
        let user = Some(*name)
            .filter(|n| !n.starts_with('@'))
            .and_then(|n| world.ig_user_by_username(n))
            .filter(|u| !u.is_private);
        match user {
            Some(u) => found.push(u.username.clone()),
            None => refused.push(*name),
        }
    }
    if refused.is_empty() {
        Ok(found)
    } else {
        Err(GraphError::users_cannot_be_accessed(&refused))
    }
}

/// `user_tags` of a container creation: people tagged on the media, by username and
/// position.
pub(crate) fn user_tags(ctx: &Ctx, kind: ContainerKind) -> GraphResult<Vec<UserTag>> {
    let Some(raw) = ctx.req.json_param("user_tags") else {
        return Ok(Vec::new());
    };
    let shape = || {
        GraphError::invalid_param(
            "Param user_tags must be a JSON array of objects, each with username, x and y (e.g. [{username:'natgeo',x:0.5,y:1.0}])",
        )
    };
    let list = match raw.map_err(|_| shape())? {
        Value::Array(a) => a,
        _ => return Err(shape()),
    };
    if kind == ContainerKind::Carousel {
        return Err(GraphError::invalid_param(
            "user_tags go on the carousel's item containers, not on the carousel container",
        ));
    }
    if list.len() > MAX_USER_TAGS {
        return Err(GraphError::too_many_user_tags(MAX_USER_TAGS));
    }
    // Positions are required on feed images; videos take none, and stories take them
    // optionally (IG User Media reference: user_tags on stories since 2025-07-09, "optionally
    // specify x, y coordinates").
    let needs_position = !kind.is_video() && !kind.is_story();
    let mut out = Vec::new();
    for (i, t) in list.iter().enumerate() {
        let obj = t.as_object().ok_or_else(shape)?;
        let username = obj
            .get("username")
            .or_else(|| obj.get("usernames"))
            .and_then(Value::as_str)
            .ok_or_else(|| GraphError::invalid_param(format!("Param user_tags[{i}][username] is required")))?;
        let coord = |axis: &str| -> GraphResult<Option<f64>> {
            match obj.get(axis) {
                None if needs_position => Err(GraphError::invalid_param(format!(
                    "Param user_tags[{i}][{axis}] is required"
                ))),
                None => Ok(None),
                Some(v) => {
                    let n = v
                        .as_f64()
                        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
                        .filter(|n: &f64| (0.0..=1.0).contains(n))
                        .ok_or_else(|| {
                            GraphError::invalid_param(format!(
                                "Param user_tags[{i}][{axis}] must be a number between 0.0 and 1.0"
                            ))
                        })?;
                    Ok(Some(n))
                }
            }
        };
        let (x, y) = (coord("x")?, coord("y")?);
        out.push((username, x.unwrap_or(0.0), y.unwrap_or(0.0)));
    }
    let names: Vec<&str> = out.iter().map(|(n, _, _)| *n).collect();
    let users = accessible_users(&ctx.world, &names)?;
    Ok(users
        .into_iter()
        .zip(out)
        .map(|(username, (_, x, y))| UserTag { username, x, y })
        .collect())
}

/// `collaborators` of a container creation: up to three other accounts invited.
pub(crate) fn collaborators(ctx: &Ctx, owner: IgUserId, kind: ContainerKind) -> GraphResult<Vec<String>> {
    let Some(raw) = ctx.req.json_param("collaborators") else {
        return Ok(Vec::new());
    };
    let shape = || GraphError::invalid_param("Param collaborators must be an array of strings (Instagram usernames)");
    let list = match raw.map_err(|_| shape())? {
        Value::Array(a) => a,
        _ => return Err(shape()),
    };
    if kind.is_story() {
        return Err(GraphError::invalid_param(
            "Collaborators cannot be added to Story media",
        ));
    }
    if kind.is_carousel_item() {
        return Err(GraphError::invalid_param(
            "Collaborators go on the carousel container, not on its items",
        ));
    }
    if list.len() > MAX_COLLABORATORS {
        return Err(GraphError::invalid_param(format!(
            "No more than {MAX_COLLABORATORS} collaborators can be added to a media"
        )));
    }
    let names = list
        .iter()
        .map(|v| v.as_str().map(str::trim).ok_or_else(shape))
        .collect::<GraphResult<Vec<&str>>>()?;
    let own = ctx.world.ig_users.get(&owner).map(|u| u.username.to_ascii_lowercase());
    let mut out: Vec<String> = Vec::new();
    for user in accessible_users(&ctx.world, &names)? {
        // Inviting yourself: production's answer is UNCONFIRMED; igsim's own (#100).
        if Some(user.to_ascii_lowercase()) == own {
            return Err(GraphError::invalid_param(format!(
                "{user} cannot be invited as a collaborator on its own media"
            )));
        }
        if !out.contains(&user) {
            out.push(user);
        }
    }
    Ok(out)
}

/// `children` of a carousel container: its item containers, in order.
pub(crate) fn children(req: &GraphRequest) -> GraphResult<Vec<ContainerId>> {
    let bad = || GraphError::invalid_param("Param children must be a list of container IDs");
    let items: Vec<String> = match req.json_values.get("children") {
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| match v {
                Value::String(s) => Ok(s.clone()),
                Value::Number(n) => Ok(n.to_string()),
                _ => Err(bad()),
            })
            .collect::<GraphResult<_>>()?,
        _ => {
            let raw = req.required("children")?.trim();
            let inner = raw.strip_prefix('[').and_then(|r| r.strip_suffix(']')).unwrap_or(raw);
            inner
                .split(',')
                .map(|s| s.trim().trim_matches(['"', '\'']).to_string())
                .filter(|s| !s.is_empty())
                .collect()
        }
    };
    items
        .iter()
        .map(|s| parse_id(s).map(ContainerId).ok_or_else(bad))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::product_tags;
    use crate::error::GraphError;
    use crate::ids::IgUserId;
    use crate::model::shopping::tests::{demo, sku, METRICSAURUS};
    use crate::model::shopping::{self, ProductTag, TagList, TagTarget};
    use crate::model::World;
    use serde_json::{json, Value};

    fn sub(r: Result<Vec<ProductTag>, GraphError>) -> Option<i64> {
        r.unwrap_err().subcode
    }

    /// The product-tag rules as a client meets them: its JSON read, then judged.
    fn validate_product_tags(
        w: &World,
        owner: IgUserId,
        target: TagTarget,
        raw: &Value,
    ) -> Result<Vec<ProductTag>, GraphError> {
        let list = product_tags(raw).unwrap_or(TagList::Malformed);
        shopping::validate_product_tags(w, owner, target, &list)
    }

    #[test]
    fn images_need_positions_and_videos_refuse_them() {
        let w = demo();
        let mug = sku(&w, "mug-dino-01");
        let ok = validate_product_tags(
            &w,
            METRICSAURUS,
            TagTarget::Image,
            &json!([{"product_id": mug.to_string(), "x": 0.5, "y": 0.8}]),
        )
        .unwrap();
        assert_eq!(ok[0].merchant_id, METRICSAURUS.0);
        assert_eq!(
            sub(validate_product_tags(
                &w,
                METRICSAURUS,
                TagTarget::Image,
                &json!([{"product_id": mug}])
            )),
            Some(2207036)
        );
        assert_eq!(
            sub(validate_product_tags(
                &w,
                METRICSAURUS,
                TagTarget::CarouselImage,
                &json!([{"product_id": mug, "x": 0.5}])
            )),
            Some(2207036)
        );
        for t in [TagTarget::Reel, TagTarget::Video, TagTarget::CarouselVideo] {
            assert_eq!(
                sub(validate_product_tags(
                    &w,
                    METRICSAURUS,
                    t,
                    &json!([{"product_id": mug, "x": 0.5, "y": 0.5}])
                )),
                Some(2207035)
            );
            assert!(validate_product_tags(&w, METRICSAURUS, t, &json!([{"product_id": mug}])).is_ok());
        }
        // The docs' JSON-ish string form is accepted too.
        let raw = json!(format!("[{{product_id:'{mug}',x:0.5,y:0.8}}]"));
        assert_eq!(
            validate_product_tags(&w, METRICSAURUS, TagTarget::Image, &raw)
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            validate_product_tags(
                &w,
                METRICSAURUS,
                TagTarget::Image,
                &json!([{"product_id": mug, "x": 1.2, "y": 0.8}])
            )
            .unwrap_err()
            .code,
            100
        );
    }

    #[test]
    fn limits_per_post_reel_and_slide_follow_the_guide() {
        let w = demo();
        let ids: Vec<u64> = w.shopping.products.keys().copied().collect();
        // Distinct products beyond the catalog are unknown: count limits are checked first.
        let many = |n: usize, xy: bool| -> Value {
            Value::Array(
                (0..n)
                    .map(|i| {
                        let id = ids.get(i).copied().unwrap_or(1_000 + i as u64);
                        if xy {
                            json!({"product_id": id, "x": 0.1, "y": 0.1})
                        } else {
                            json!({"product_id": id})
                        }
                    })
                    .collect(),
            )
        };
        assert_eq!(
            sub(validate_product_tags(
                &w,
                METRICSAURUS,
                TagTarget::CarouselImage,
                &many(6, true)
            )),
            Some(2207040)
        );
        assert!(validate_product_tags(&w, METRICSAURUS, TagTarget::CarouselImage, &many(5, true)).is_ok());
        assert_eq!(
            sub(validate_product_tags(
                &w,
                METRICSAURUS,
                TagTarget::Image,
                &many(21, true)
            )),
            Some(2207040)
        );
        assert_eq!(
            sub(validate_product_tags(
                &w,
                METRICSAURUS,
                TagTarget::Image,
                &many(20, true)
            )),
            Some(2207037)
        );
        assert!(validate_product_tags(&w, METRICSAURUS, TagTarget::Image, &many(10, true)).is_ok());
        assert_eq!(
            sub(validate_product_tags(
                &w,
                METRICSAURUS,
                TagTarget::Reel,
                &many(31, false)
            )),
            Some(2207040)
        );
        let slides = vec![
            vec![
                ProductTag {
                    product_id: 1,
                    merchant_id: 1,
                    x: None,
                    y: None
                };
                5
            ];
            5
        ];
        assert!(shopping::validate_carousel_tags(&slides).is_err());
        assert!(shopping::validate_carousel_tags(&slides[..4]).is_ok());
    }

    #[test]
    fn products_must_be_unique_known_and_the_account_eligible() {
        let w = demo();
        let mug = sku(&w, "mug-dino-01");
        let dup = json!([{"product_id": mug}, {"product_id": mug.to_string()}]);
        assert_eq!(
            validate_product_tags(&w, METRICSAURUS, TagTarget::Reel, &dup)
                .unwrap_err()
                .code,
            100
        );
        assert_eq!(
            sub(validate_product_tags(
                &w,
                METRICSAURUS,
                TagTarget::Reel,
                &json!([{"product_id": "42"}])
            )),
            Some(2207037)
        );
        let juniper = w.ig_user_by_username("juniper.makes").unwrap().id;
        assert_eq!(
            sub(validate_product_tags(
                &w,
                juniper,
                TagTarget::Reel,
                &json!([{"product_id": mug}])
            )),
            Some(2207037)
        );
        assert!(validate_product_tags(&w, METRICSAURUS, TagTarget::Story, &json!([{"product_id": mug}])).is_err());
        assert!(validate_product_tags(&w, METRICSAURUS, TagTarget::Reel, &json!({"product_id": mug})).is_err());
        assert!(validate_product_tags(&w, METRICSAURUS, TagTarget::Reel, &json!([{"x": 0.1}])).is_err());
        // Unapproved products are accepted (their tags just do not show until approved).
        for s in ["stickers-12", "hoodie-chart", "toy-sword"] {
            assert!(
                validate_product_tags(&w, METRICSAURUS, TagTarget::Reel, &json!([{"product_id": sku(&w, s)}])).is_ok(),
                "{s}"
            );
        }
        // Variants are products too.
        let green = sku(&w, "oh59p9vzei-green");
        assert!(validate_product_tags(&w, METRICSAURUS, TagTarget::Reel, &json!([{"product_id": green}])).is_ok());
    }
}
