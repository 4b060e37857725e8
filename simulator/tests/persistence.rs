//! `igsim serve --state-dir`, run as a real process and killed with SIGKILL while clients
//! are writing: after a restart on the same directory, everything igsim acknowledged is
//! there (containers, comments, the clock), and the directory holds whole snapshots only.
//! No wall-clock waits: the kill comes after a number of acknowledgements, while the other
//! writers' requests are still in flight.

mod common;

use common::{get, start, stop};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// A small world: one user, one Page, one business account, a few posts (snapshots stay
/// small, so each write is quick even in a debug build).
const WORLD: &str = r#"{
  "app": { "id": "718203948571623", "name": "kill test app" },
  "users": [{ "id": "10158012345678901", "name": "Dana Admin",
              "permissions": ["pages_show_list", "pages_read_engagement", "instagram_basic",
                              "instagram_content_publish", "instagram_manage_comments"] }],
  "instagram_accounts": [{ "id": "17841405822304914", "username": "metricsaurus", "name": "Metricsaurus",
                           "followers_count": 5000, "account_type": "BUSINESS" }],
  "pages": [{ "id": "134895793791914", "name": "Metricsaurus", "category": "App Page",
              "instagram_account": "metricsaurus",
              "roles": [{ "user": "Dana Admin", "tasks": ["ANALYZE", "ADVERTISE", "MODERATE", "CREATE_CONTENT", "MANAGE"] }] }],
  "media": [{ "id": "17918195224117851", "owner": "metricsaurus", "media_type": "IMAGE", "media_product_type": "FEED",
              "caption": "first", "age": "1h" }]
}"#;

const IG: &str = "17841405822304914";
const MEDIA: &str = "17918195224117851";

/// One POST with a form body over a fresh connection: the status and the body, or `None`
/// when the connection broke first (not acknowledged).
fn post(addr: &str, path: &str, form: &str) -> Option<(u16, String)> {
    let mut s = std::net::TcpStream::connect(addr).ok()?;
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
        form.len()
    )
    .ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    let status = out.split(' ').nth(1)?.parse().ok()?;
    let body = out.split("\r\n\r\n").nth(1)?.to_string();
    Some((status, body))
}

fn id_of(body: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(body).expect("a JSON answer");
    v["id"].as_str().expect("an id").to_string()
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("igsim-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A fresh directory with the small world and a state directory: the directory, the state
/// directory, and the arguments of `igsim serve` using them (then `extra`).
fn setup(name: &str, extra: &[&str]) -> (PathBuf, PathBuf, Vec<String>) {
    let dir = temp(name);
    let world = dir.join("world.json");
    std::fs::write(&world, WORLD).unwrap();
    let state = dir.join("state");
    let mut args = vec![
        "--world".to_string(),
        world.to_string_lossy().into_owned(),
        "--state-dir".to_string(),
        state.to_string_lossy().into_owned(),
    ];
    args.extend(extra.iter().map(|a| a.to_string()));
    (dir, state, args)
}

#[test]
fn nothing_acknowledged_is_lost_when_igsim_is_killed_during_writes() {
    let (dir, state, args) = setup("kill9", &[]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let p = start(&args);
    let (addr, token) = (p.addr.clone(), p.token.clone());
    // An acknowledged clock move.
    let advanced = post(&addr, "/_sim/sandboxes/default/clock/advance?seconds=3600", "").expect("the clock moves");
    assert_eq!(advanced.0, 200, "{}", advanced.1);
    let now: serde_json::Value = serde_json::from_str(&advanced.1).unwrap();

    // Four writers, each creating containers and comments until the process dies; the test
    // kills it once 40 writes were acknowledged, with the others' requests in flight.
    let acked: Arc<Mutex<Vec<(&'static str, String)>>> = Arc::default();
    let count = Arc::new(AtomicUsize::new(0));
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let (addr, token, acked, count) = (addr.clone(), token.clone(), acked.clone(), count.clone());
            std::thread::spawn(move || {
                for i in 0.. {
                    let (kind, path, form) = if (w + i) % 2 == 0 {
                        (
                            "container",
                            format!("/v21.0/{IG}/media"),
                            format!("image_url=https://example.com/{w}-{i}.jpg&access_token={token}"),
                        )
                    } else {
                        (
                            "comment",
                            format!("/v21.0/{MEDIA}/comments"),
                            format!("message=w{w}-{i}&access_token={token}"),
                        )
                    };
                    match post(&addr, &path, &form) {
                        Some((200, body)) => {
                            acked.lock().unwrap().push((kind, id_of(&body)));
                            count.fetch_add(1, Ordering::SeqCst);
                        }
                        Some((status, body)) => panic!("{kind} refused: {status} {body}"),
                        None => return, // the process is gone
                    }
                }
            })
        })
        .collect();
    while count.load(Ordering::SeqCst) < 40 {
        std::thread::yield_now();
    }
    let mut p = p;
    p.child.kill().expect("SIGKILL"); // kill -9: no shutdown, no flush
    p.child.wait().unwrap();
    for w in writers {
        w.join().unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 40);

    // Only whole snapshots are left: no temporary file took effect, every file parses.
    let files: Vec<_> = std::fs::read_dir(state.join("sandboxes")).unwrap().flatten().collect();
    for f in &files {
        let name = f.file_name().to_string_lossy().into_owned();
        if name.ends_with(".json") {
            let bytes = std::fs::read(f.path()).unwrap();
            serde_json::from_slice::<serde_json::Value>(&bytes).unwrap_or_else(|e| panic!("{name} is not whole: {e}"));
        }
    }

    let p = start(&args);
    for (kind, id) in &acked {
        let fields = if *kind == "container" { "status_code" } else { "text" };
        let status = get(
            &p.addr,
            &format!("/v21.0/{id}?fields={fields}&access_token={}", p.token),
        );
        assert!(status.contains(" 200 "), "acknowledged {kind} {id} is lost: {status}");
    }
    let (_, clock) = post(&p.addr, "/_sim/sandboxes/default/clock/advance?seconds=0", "").unwrap();
    let clock: serde_json::Value = serde_json::from_str(&clock).unwrap();
    assert_eq!(clock["now"], now["now"], "the acknowledged clock move");
    stop(p);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The JSON answer of a control-plane GET.
fn control_get(addr: &str, target: &str) -> serde_json::Value {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(s, "GET {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    serde_json::from_str(out.split("\r\n\r\n").nth(1).unwrap()).unwrap()
}

/// `usage.state_writes` of `/_sim/health`: snapshots written since start.
fn state_writes(addr: &str) -> u64 {
    control_get(addr, "/_sim/health")["usage"]["state_writes"]
        .as_u64()
        .expect("state_writes with --state-dir")
}

/// The newest journal entry's number in `default` (a `since` above every entry answers it
/// as `next_since`).
fn next_since(addr: &str) -> u64 {
    let target = format!("/_sim/sandboxes/default/requests?since={}", u64::MAX);
    control_get(addr, &target)["next_since"].as_u64().expect("next_since")
}

/// Reads write nothing to the state directory (their bookkeeping waits: `--state-flush-ms 0`
/// leaves it for the next write or a graceful stop), a write is on disk before its answer,
/// and after `kill -9` everything acknowledged is back while the reads' bookkeeping may not be.
#[test]
fn a_read_writes_nothing_to_the_state_directory_and_a_write_is_on_disk_before_its_answer() {
    let (dir, state, args) = setup("reads", &["--state-flush-ms", "0"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let p = start(&args);
    let (addr, token) = (p.addr.clone(), p.token.clone());
    let file = state.join("sandboxes/default.json");
    let (writes, bytes) = (state_writes(&addr), std::fs::read(&file).unwrap());
    for path in [
        format!("/v21.0/me?fields=id,name&access_token={token}"),
        format!("/v21.0/{IG}/media?fields=id,caption&access_token={token}"),
        format!("/v21.0/{MEDIA}?fields=comments_count&access_token={token}"),
        format!("/v21.0/{MEDIA}/comments?access_token=not-a-token"),
    ] {
        for _ in 0..10 {
            get(&addr, &path);
        }
    }
    assert_eq!(state_writes(&addr), writes, "40 reads wrote no snapshot");
    assert_eq!(std::fs::read(&file).unwrap(), bytes, "the file is as it was");
    // A refused write changes nothing, so it writes nothing either.
    let refused = post(
        &addr,
        &format!("/v21.0/{MEDIA}/comments"),
        &format!("access_token={token}"),
    )
    .unwrap();
    assert_eq!(refused.0, 400, "{}", refused.1);
    assert_eq!(state_writes(&addr), writes, "a refused write wrote no snapshot");

    let (status, body) = post(
        &addr,
        &format!("/v21.0/{MEDIA}/comments"),
        &format!("message=kept&access_token={token}"),
    )
    .unwrap();
    assert_eq!(status, 200, "{body}");
    let comment = id_of(&body);
    assert_eq!(state_writes(&addr), writes + 1, "the write is one snapshot");
    let on_disk: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(
        on_disk["world"]["comments"][&comment]["text"], "kept",
        "on disk before the answer"
    );
    assert!(get(&addr, &format!("/v21.0/{comment}?fields=text&access_token={token}")).contains(" 200 "));
    assert_eq!(state_writes(&addr), writes + 1, "reading it back writes nothing");

    let mut p = p;
    p.child.kill().expect("SIGKILL");
    p.child.wait().unwrap();
    let p = start(&args);
    let status = get(
        &p.addr,
        &format!("/v21.0/{comment}?fields=text&access_token={}", p.token),
    );
    assert!(status.contains(" 200 "), "the acknowledged comment is lost: {status}");
    // A graceful stop writes the reads' bookkeeping: the journal's numbering goes on after it.
    for _ in 0..5 {
        get(&p.addr, &format!("/v21.0/me?access_token={}", p.token));
    }
    let newest = next_since(&p.addr);
    stop(p);
    let p = start(&args);
    assert_eq!(next_since(&p.addr), newest, "the numbering a graceful stop kept");
    stop(p);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A batch's operations may carry another sandbox's token (`http::batch`): a write such an
/// operation made is acknowledged in the batch's answer, so it is on disk before that answer
/// (it used to wait for the timed flush, and `kill -9` lost it).
#[test]
fn a_batch_write_in_another_sandbox_is_on_disk_before_its_answer() {
    let (dir, _state, args) = setup("batch", &["--state-flush-ms", "0"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let p = start(&args);
    let (addr, token) = (p.addr.clone(), p.token.clone());
    let (status, body) = post(&addr, "/_sim/sandboxes?id=other", "").expect("a sandbox");
    assert_eq!(status, 201, "{body}");
    let other: serde_json::Value = serde_json::from_str(&body).unwrap();
    let other_token = other["users"][0]["access_token"]
        .as_str()
        .expect("a user token")
        .to_string();
    let batch = serde_json::json!([{
        "method": "POST",
        "relative_url": format!("{MEDIA}/comments?access_token={other_token}"),
        "body": "message=batched",
    }]);
    let form: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("batch", &batch.to_string())
        .append_pair("access_token", &token)
        .finish();
    let (status, body) = post(&addr, "/v21.0/", &form).expect("the batch is answered");
    assert_eq!(status, 200, "{body}");
    let answers: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(answers[0]["code"], 200, "{body}");
    let comment = id_of(answers[0]["body"].as_str().unwrap());

    let mut p = p;
    p.child.kill().expect("SIGKILL");
    p.child.wait().unwrap();
    let p = start(&args);
    let read = get(
        &p.addr,
        &format!("/v21.0/{comment}?fields=text&access_token={other_token}"),
    );
    assert!(read.contains(" 200 "), "the acknowledged comment is lost: {read}");
    stop(p);
    std::fs::remove_dir_all(&dir).unwrap();
}
