//! The web dashboard: its embedded files, the control-plane routes it reads (accounts with
//! stories and quota gauges, the container list), and a real browser driving it
//! (`dashboard::browser`).

use crate::support::METRICSAURUS;
use conformance::sim;

#[test]
fn the_dashboard_is_served_from_the_binary() {
    let sb = sim::fresh();
    let page = crate::cdn::fetch("GET", &format!("{}/_sim/ui", sb.base_url), &[]);
    assert_eq!(page.status, 200);
    assert_eq!(page.header("content-type"), Some("text/html; charset=utf-8"));
    let html = String::from_utf8(page.body).unwrap();
    for file in ["/_sim/ui/app.js", "/_sim/ui/app.css"] {
        assert!(html.contains(file), "{file}");
        let f = crate::cdn::fetch("GET", &format!("{}{file}", sb.base_url), &[]);
        assert_eq!(f.status, 200, "{file}");
        assert!(f.header("content-type").unwrap().starts_with("text/"), "{file}");
    }
    assert_eq!(
        crate::cdn::fetch("GET", &format!("{}/_sim/ui/nope.js", sb.base_url), &[]).status,
        404
    );
}

/// The sandbox time and metricsaurus's entry of `GET /_sim/sandboxes/{id}/accounts`.
fn metricsaurus(sb: &sim::Sandbox) -> (i64, serde_json::Value) {
    let v = sb.control_get("accounts").ok("sim_accounts").clone();
    let m = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == METRICSAURUS)
        .cloned();
    (v["now"].as_i64().unwrap(), m.expect("metricsaurus"))
}

#[test]
fn accounts_show_stories_with_their_expiry_and_quota_gauges() {
    let sb = sim::fresh();
    let (now, m) = metricsaurus(&sb);
    let stories = m["stories"].as_array().unwrap();
    assert!(!stories.is_empty(), "the demo account has current stories");
    for s in stories {
        let (t, e) = (s["timestamp"].as_i64().unwrap(), s["expires_at"].as_i64().unwrap());
        assert_eq!(e - t, 24 * 3600, "stories live 24 hours");
        assert!(e > now);
    }
    // The same stories as the Graph edge.
    let c = sb.client_as("Dana Admin");
    let graph = c.get(&format!("{METRICSAURUS}/stories"), &[]).ok("ig_stories").clone();
    assert_eq!(
        crate::support::ids(&graph),
        stories
            .iter()
            .map(|s| s["id"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    );
    // The publishing gauge is the Graph's own content_publishing_limit.
    let limit = c
        .get(
            &format!("{METRICSAURUS}/content_publishing_limit"),
            &[("fields", "config,quota_usage")],
        )
        .ok("content_publishing_limit")["data"][0]
        .clone();
    assert_eq!(
        m["quotas"]["publishing"],
        serde_json::json!({
            "used": limit["quota_usage"],
            "limit": limit["config"]["quota_total"],
            "window_seconds": limit["config"]["quota_duration"],
        })
    );
    assert_eq!(m["quotas"]["hashtag_searches"]["limit"], 30);

    let cid = c
        .post(
            &format!("{METRICSAURUS}/media"),
            &[("image_url", "https://www.example.com/a.jpg")],
        )
        .ok("id_response")["id"]
        .as_str()
        .unwrap()
        .to_string();
    c.post(&format!("{METRICSAURUS}/media_publish"), &[("creation_id", &cid)])
        .ok("id_response");
    c.get("ig_hashtag_search", &[("user_id", METRICSAURUS), ("q", "coffee")])
        .ok("hashtag_search");
    let (_, m) = metricsaurus(&sb);
    assert_eq!(m["quotas"]["publishing"]["used"], 1);
    assert_eq!(m["quotas"]["containers"]["used"], 1);
    assert_eq!(m["quotas"]["hashtag_searches"]["used"], 1);

    sb.advance(24 * 3600);
    let (_, m) = metricsaurus(&sb);
    assert_eq!(m["quotas"]["publishing"]["used"], 0, "the window slid past the post");
    assert!(m["stories"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["expires_at"].as_i64().unwrap() > now + 24 * 3600));
}

#[test]
fn the_container_list_is_newest_first() {
    let sb = sim::fresh();
    assert_eq!(
        sb.control_get("containers").ok("sim_containers")["data"],
        serde_json::json!([])
    );
    let c = sb.client_as("Dana Admin");
    let mut ids = Vec::new();
    for _ in 0..2 {
        let r = c.post(
            &format!("{METRICSAURUS}/media"),
            &[("image_url", "https://www.example.com/a.jpg")],
        );
        ids.push(r.ok("id_response")["id"].as_str().unwrap().to_string());
        sb.advance(1);
    }
    let v = sb.control_get("containers").ok("sim_containers").clone();
    let listed: Vec<&str> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(listed, [ids[1].as_str(), ids[0].as_str()]);
    assert_eq!(v["data"][0]["status_code"], "FINISHED");
}
