//! Self-test of the harness: a loopback proxy (hyper) in front of a correct simulator
//! distorts its responses the way production might drift, and each distortion must be
//! caught by the matching check, both by a scenario run and by `drift::compare`.

use conformance::drift::{self, DriftKind};
use conformance::record::Recording;
use conformance::scenario::{self, Check, Outcome, RunOptions};
use conformance::{scenarios, target::Target};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use std::convert::Infallible;
use std::sync::Arc;

type Distort = Arc<dyn Fn(&str, &mut Value) + Send + Sync>;

/// A proxy on 127.0.0.1:0 forwarding to `upstream`, rewriting Graph bodies with `distort`
/// (the control plane passes through untouched). Paging links are rewritten to point back
/// at the proxy so walks stay behind it.
struct Proxy {
    base_url: String,
    _stop: tokio::sync::oneshot::Sender<()>,
}

fn proxy(upstream: String, distort: Distort) -> Proxy {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    let me = base_url.clone();
    let (tx, mut rx) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            loop {
                let stream = tokio::select! {
                    s = listener.accept() => match s { Ok((s, _)) => s, Err(_) => continue },
                    _ = &mut rx => return,
                };
                let (up, me, distort) = (upstream.clone(), me.clone(), distort.clone());
                tokio::spawn(async move {
                    let svc = service_fn(move |req| forward(req, up.clone(), me.clone(), distort.clone()));
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
        });
    });
    Proxy { base_url, _stop: tx }
}

async fn forward(
    req: Request<Incoming>,
    up: String,
    me: String,
    distort: Distort,
) -> Result<Response<Full<bytes::Bytes>>, Infallible> {
    let method = req.method().to_string();
    let path = req.uri().path_and_query().map(|p| p.to_string()).unwrap_or_default();
    let ctype = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let url = format!("{up}{path}");
    let (status, headers, text) = tokio::task::spawn_blocking(move || {
        let mut r = ureq::request(&method, &url);
        if let Some(c) = ctype {
            r = r.set("content-type", &c);
        }
        let resp = match r.send_bytes(&body) {
            Ok(r) | Err(ureq::Error::Status(_, r)) => r,
            Err(e) => return (502, Vec::new(), e.to_string()),
        };
        let headers: Vec<(String, String)> = resp
            .headers_names()
            .into_iter()
            .filter(|n| {
                n.starts_with("facebook") || n.starts_with("x-fb") || n == "content-type" || n == "www-authenticate"
            })
            .filter_map(|n| resp.header(&n).map(|v| (n.clone(), v.to_string())))
            .collect();
        (resp.status(), headers, resp.into_string().unwrap_or_default())
    })
    .await
    .unwrap_or((502, Vec::new(), String::new()));
    let text = text.replace(&up, &me);
    let text = match serde_json::from_str::<Value>(&text) {
        Ok(mut v) if !path.starts_with("/_sim/") => {
            distort(&path, &mut v);
            v.to_string()
        }
        _ => text,
    };
    let mut b = Response::builder().status(status);
    for (k, v) in headers {
        b = b.header(k, v);
    }
    Ok(b.body(Full::new(bytes::Bytes::from(text))).unwrap())
}

/// Applies `f` to every object in `v`.
fn each_object(v: &mut Value, f: &dyn Fn(&mut serde_json::Map<String, Value>)) {
    match v {
        Value::Object(m) => {
            f(m);
            m.values_mut().for_each(|c| each_object(c, f));
        }
        Value::Array(a) => a.iter_mut().for_each(|c| each_object(c, f)),
        _ => {}
    }
}

fn is_ig_user(m: &serde_json::Map<String, Value>) -> bool {
    m.contains_key("followers_count") || m.contains_key("media_count") && m.contains_key("username")
}

fn run(base_url: &str, only: &str) -> (Outcome, Vec<Recording>) {
    let t = Target::at_url(base_url);
    let opts = RunOptions {
        only: vec![only.to_string()],
        ..RunOptions::default()
    };
    let results = scenario::run_all(&t, &scenarios::all(), &opts, |_| {});
    let outcome = results
        .iter()
        .find(|r| r.name == only)
        .map(|r| r.outcome.clone())
        .expect("ran");
    (outcome, results.into_iter().map(|r| r.recording).collect())
}

/// Runs `scenario` straight and behind a distorting proxy; returns the distorted outcome
/// and the drift findings between the two recordings.
fn distorted(scenario: &str, distort: Distort) -> (Outcome, Vec<drift::Drift>) {
    let upstream = conformance::target::shared_simulator().base_url();
    let (clean, base) = run(&upstream, scenario);
    assert_eq!(clean, Outcome::Pass, "undistorted {scenario}");
    let p = proxy(upstream, distort);
    let (outcome, other) = run(&p.base_url, scenario);
    (outcome, drift::compare(&base, &other))
}

fn failed_by(outcome: &Outcome, check: Check) -> String {
    match outcome {
        Outcome::Fail(f) if f.check == check => f.to_string(),
        other => panic!("expected a {check:?} failure, got {other:?}"),
    }
}

fn found(findings: &[drift::Drift], kind: DriftKind, path_end: &str) -> bool {
    findings.iter().any(|d| d.kind == kind && d.path.ends_with(path_end))
}

#[test]
fn an_undistorted_proxy_changes_nothing() {
    let (outcome, findings) = distorted("paging_walk", Arc::new(|_, _| {}));
    assert_eq!(outcome, Outcome::Pass);
    assert!(findings.is_empty(), "{findings:?}");
}

#[test]
fn a_renamed_field_is_caught_by_the_schema_and_reported_as_removed_and_added() {
    let (outcome, findings) = distorted(
        "ig_user_fields",
        Arc::new(|_, v| {
            each_object(v, &|m| {
                if is_ig_user(m) {
                    if let Some(u) = m.remove("username") {
                        m.insert("user_name".into(), u);
                    }
                }
            })
        }),
    );
    let msg = failed_by(&outcome, Check::Schema);
    assert!(msg.contains("user_name"), "{msg}");
    assert!(found(&findings, DriftKind::FieldRemoved, "$.username"), "{findings:#?}");
    assert!(found(&findings, DriftKind::FieldAdded, "$.user_name"), "{findings:#?}");
}

#[test]
fn a_dropped_field_is_caught_by_the_field_check_and_reported_as_removed() {
    let (outcome, findings) = distorted(
        "ig_user_fields",
        Arc::new(|_, v| {
            each_object(v, &|m| {
                if is_ig_user(m) {
                    m.remove("media_count");
                }
            })
        }),
    );
    let msg = failed_by(&outcome, Check::Field);
    assert!(msg.contains("media_count"), "{msg}");
    assert!(
        found(&findings, DriftKind::FieldRemoved, "$.media_count"),
        "{findings:#?}"
    );
}

#[test]
fn a_changed_type_is_caught_by_the_schema_and_reported_as_a_type_change() {
    let (outcome, findings) = distorted(
        "ig_user_fields",
        Arc::new(|_, v| {
            each_object(v, &|m| {
                if let Some(n) = m.get("followers_count").and_then(Value::as_i64) {
                    m.insert("followers_count".into(), Value::String(n.to_string()));
                }
            })
        }),
    );
    let msg = failed_by(&outcome, Check::Schema);
    assert!(msg.contains("followers_count"), "{msg}");
    let d = findings
        .iter()
        .find(|d| d.kind == DriftKind::TypeChanged)
        .expect("type drift");
    assert!(
        d.path.ends_with("$.followers_count") && d.detail == "integer -> string",
        "{d:?}"
    );
}

#[test]
fn a_changed_enum_value_is_caught_by_the_schema_and_reported_as_an_enum_change() {
    let (outcome, findings) = distorted(
        "media_node_and_edges",
        Arc::new(|_, v| {
            each_object(v, &|m| {
                if m.get("media_type") == Some(&Value::String("IMAGE".into())) {
                    m.insert("media_type".into(), Value::String("PHOTO".into()));
                }
            })
        }),
    );
    failed_by(&outcome, Check::Schema);
    assert!(found(&findings, DriftKind::EnumChanged, "media_type"), "{findings:#?}");
}

#[test]
fn a_changed_error_subcode_is_caught_by_the_error_check_and_reported() {
    let (outcome, findings) = distorted(
        "error_envelopes",
        Arc::new(|_, v| {
            if let Some(e) = v.get_mut("error").and_then(Value::as_object_mut) {
                if e.get("error_subcode") == Some(&Value::from(33)) {
                    e.insert("error_subcode".into(), Value::from(99));
                }
            }
        }),
    );
    let msg = failed_by(&outcome, Check::ErrorCode);
    assert!(msg.contains("expected error 100/33, got 100/99"), "{msg}");
    let d = findings
        .iter()
        .find(|d| d.kind == DriftKind::ErrorChanged)
        .expect("error drift");
    assert_eq!(d.detail, "400 error 100/33 -> 400 error 100/99");
}

#[test]
fn broken_paging_is_caught_by_the_paging_check_and_reported_as_a_paging_shape_change() {
    // `next` loses its cursor, so it leads back to the first page.
    let (outcome, findings) = distorted(
        "paging_walk",
        Arc::new(|path, v| {
            if !path.contains("/media") {
                return;
            }
            if let Some(next) = v.pointer_mut("/paging/next") {
                if let Some(s) = next.as_str() {
                    let (head, query) = s.split_once('?').unwrap_or((s, ""));
                    let kept: Vec<&str> = query.split('&').filter(|p| !p.starts_with("after=")).collect();
                    *next = Value::String(format!("{head}?{}", kept.join("&")));
                }
            }
        }),
    );
    let msg = failed_by(&outcome, Check::Paging);
    assert!(msg.contains("came twice"), "{msg}");
    assert!(found(&findings, DriftKind::PagingShape, "paging.next"), "{findings:#?}");
}

#[test]
fn dropped_cursors_are_reported_as_a_paging_shape_change() {
    let (outcome, findings) = distorted(
        "paging_walk",
        Arc::new(|_, v| {
            if let Some(p) = v.get_mut("paging").and_then(Value::as_object_mut) {
                p.remove("cursors");
            }
        }),
    );
    let msg = failed_by(&outcome, Check::Paging);
    assert!(msg.contains("no paging.cursors.after"), "{msg}");
    assert!(
        found(&findings, DriftKind::PagingShape, "paging.cursors"),
        "{findings:#?}"
    );
}
