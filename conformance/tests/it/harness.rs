//! igconform itself: every scenario passes on igsim, live mode's rules (skips, read-only,
//! appsecret_proof) on a loopback stand-in, recordings never hold credentials, the CLI's
//! exit codes.

use conformance::record::{self, Recording};
use conformance::scenario::{self, Check, Ctx, Failure, Need, Outcome, RunOptions, Scenario};
use conformance::target::{self, Target};
use conformance::{drift, report, scenarios, sim};
use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

fn run(target: &Target, only: &[&str]) -> Vec<scenario::ScenarioResult> {
    let opts = RunOptions {
        only: only.iter().map(|s| s.to_string()).collect(),
        ..RunOptions::default()
    };
    scenario::run_all(target, &scenarios::all(), &opts, |_| {})
}

pub(crate) fn assert_all_pass(results: &[scenario::ScenarioResult]) {
    let failed: Vec<String> = results
        .iter()
        .filter(|r| r.outcome != Outcome::Pass)
        .map(|r| format!("{}: {:?}", r.name, r.outcome))
        .collect();
    assert!(failed.is_empty(), "scenarios did not pass:\n{}", failed.join("\n"));
}

/// A "live" target that is really a sandbox of the in-process simulator: exercises the live
/// code path (no control plane, env credentials, appsecret_proof) without leaving loopback.
fn loopback_live(sb: &sim::Sandbox, secret: Option<&str>) -> Target {
    let env: BTreeMap<&str, String> = [
        ("IG_ACCESS_TOKEN", sb.user_token("Dana Admin")),
        ("IG_USER_ID", sb.ig_id("metricsaurus")),
        ("IG_API_VERSION", "v20.0".to_string()),
    ]
    .into_iter()
    .chain(secret.map(|s| ("IG_APP_SECRET", s.to_string())))
    .collect();
    Target::live_from(|k| env.get(k).cloned(), Some(&sb.base_url)).expect("complete env")
}

#[test]
fn every_scenario_passes_against_the_in_process_simulator() {
    let results = run(&target::in_process(), &[]);
    assert_eq!(results.len(), scenarios::all().len());
    assert_all_pass(&results);
}

#[test]
fn scenario_names_are_unique_snake_case_and_described() {
    let all = scenarios::all();
    let names: BTreeSet<&str> = all.iter().map(|s| s.name).collect();
    assert_eq!(names.len(), all.len(), "duplicate scenario names");
    for s in &all {
        assert!(
            s.name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
            "{}",
            s.name
        );
        assert!(!s.about.is_empty() && !s.area.is_empty(), "{}", s.name);
        assert!(scenarios::by_name(s.name).is_some());
    }
}

/// On live without `--allow-writes`: read-only scenarios pass, except those that need ids
/// only the environment can give (their skip names the `IG_*` variable); scenarios that
/// write or need the control plane are skipped.
fn assert_live_read_only_outcomes(results: &[scenario::ScenarioResult]) {
    let wrong: Vec<String> = results
        .iter()
        .filter(|r| {
            let needs = &scenarios::by_name(r.name).expect("a known scenario").needs;
            match &r.outcome {
                Outcome::Pass => !needs.is_empty(),
                Outcome::Skip(why) => needs.is_empty() && !why.contains("IG_"),
                Outcome::Fail(_) => true,
            }
        })
        .map(|r| format!("{}: {:?}", r.name, r.outcome))
        .collect();
    assert!(wrong.is_empty(), "unexpected live outcomes:\n{}", wrong.join("\n"));
}

#[test]
fn a_live_target_runs_read_only_scenarios_with_appsecret_proof() {
    let sb = sim::fresh();
    let results = run(&loopback_live(&sb, Some(&sb.app_secret())), &[]);
    assert_live_read_only_outcomes(&results);
    for r in &results {
        for e in &r.raw {
            if e.url.contains("access_token=") && !e.url.contains("/oauth/") {
                assert!(
                    e.url.contains("appsecret_proof="),
                    "{} sent no proof: {}",
                    r.name,
                    e.url
                );
            }
        }
    }
}

#[test]
fn a_wrong_app_secret_makes_live_calls_fail_with_the_proof_error() {
    let sb = sim::fresh();
    let results = run(&loopback_live(&sb, Some("not-the-secret")), &["ig_user_fields"]);
    let Outcome::Fail(f) = &results[0].outcome else {
        panic!("expected a failure, got {:?}", results[0].outcome)
    };
    assert_eq!(f.check, Check::Status);
    assert!(f.message.contains("Invalid appsecret_proof"), "{f}");
}

#[test]
fn without_an_app_secret_live_skips_the_token_exchange() {
    let sb = sim::fresh();
    let results = run(&loopback_live(&sb, None), &["token_exchange", "debug_token"]);
    let by: BTreeMap<&str, &Outcome> = results.iter().map(|r| (r.name, &r.outcome)).collect();
    assert_eq!(by["debug_token"], &Outcome::Pass);
    assert!(matches!(by["token_exchange"], Outcome::Skip(why) if why.contains("IG_APP_SECRET")));
}

fn uses_the_clock(ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.step("advance the clock");
    ctx.sandbox()?.advance(60);
    Ok(())
}

fn writes_something(ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.step("would write");
    ctx.on_cleanup("nothing to undo", |_| Ok(()));
    Ok(())
}

const NEEDY: &[Scenario] = &[
    Scenario {
        name: "needs_control_plane",
        area: "selftest",
        about: "uses the clock",
        needs: &[Need::ControlPlane],
        run: uses_the_clock,
    },
    Scenario {
        name: "needs_writes",
        area: "selftest",
        about: "writes",
        needs: &[Need::Writes],
        run: writes_something,
    },
];

#[test]
fn live_skips_control_plane_scenarios_and_writes_unless_allowed() {
    let sb = sim::fresh();
    let live = loopback_live(&sb, None);
    let results = scenario::run_all(&live, NEEDY, &RunOptions::default(), |_| {});
    assert!(matches!(&results[0].outcome, Outcome::Skip(w) if w.contains("control plane")));
    assert!(matches!(&results[1].outcome, Outcome::Skip(w) if w.contains("--allow-writes")));
    assert!(
        results.iter().all(|r| r.raw.is_empty()),
        "a skipped scenario sent nothing"
    );
    let allowed = RunOptions {
        allow_writes: true,
        ..RunOptions::default()
    };
    let results = scenario::run_all(&live, NEEDY, &allowed, |_| {});
    assert!(matches!(&results[0].outcome, Outcome::Skip(_)));
    assert_eq!(results[1].outcome, Outcome::Pass);
    let on_sim = scenario::run_all(&target::in_process(), NEEDY, &RunOptions::default(), |_| {});
    assert!(on_sim.iter().all(|r| r.outcome == Outcome::Pass), "{on_sim:?}");
}

/// What the write scenarios touch on the account: every post's comment settings, threads and
/// product tags.
fn moderation_state(sb: &sim::Sandbox) -> serde_json::Value {
    let c = sb.client_as("Dana Admin");
    let mut media = c
        .get(
            &format!("{}/media", sb.ig_id("metricsaurus")),
            &[
                (
                    "fields",
                    "media_type,is_comment_enabled,comments_count,comments.limit(50){text,hidden,replies.limit(50){text,hidden}}",
                ),
                ("limit", "50"),
            ],
        )
        .ok("ig_media_list")["data"]
        .clone();
    for m in media.as_array_mut().expect("a data array") {
        if m["media_type"] == "IMAGE" {
            let id = m["id"].as_str().unwrap_or_default().to_string();
            m["product_tags"] = c.get(&format!("{id}/product_tags"), &[]).ok("product_tags")["data"].clone();
        }
    }
    media
}

#[test]
fn with_allow_writes_live_runs_the_write_scenarios_and_undoes_what_they_did() {
    let sb = sim::fresh();
    let live = loopback_live(&sb, None);
    let before = moderation_state(&sb);
    let opts = RunOptions {
        allow_writes: true,
        only: vec![
            "comments".into(),
            "publishing".into(),
            "mentions".into(),
            "product_tagging".into(),
        ],
        ..RunOptions::default()
    };
    let results = scenario::run_all(&live, &scenarios::all(), &opts, |_| {});
    let by: BTreeMap<&str, &Outcome> = results.iter().map(|r| (r.name, &r.outcome)).collect();
    assert_eq!(by["comment_moderation"], &Outcome::Pass);
    assert_eq!(by["comments_disable_enable"], &Outcome::Pass);
    assert_eq!(by["product_tags_on_published_media"], &Outcome::Pass);
    // Without media URLs or mention ids in the environment these cannot run on live.
    for (name, var) in [
        ("publish_single_image", "IG_TEST_IMAGE_URL"),
        ("publish_reel", "IG_TEST_VIDEO_URL"),
        ("publish_with_product_tags", "IG_TEST_IMAGE_URL"),
        ("reply_to_mentions", "IG_MENTIONED_MEDIA_ID"),
    ] {
        assert!(
            matches!(by[name], Outcome::Skip(why) if why.contains(var)),
            "{name}: {:?}",
            by[name]
        );
    }
    assert!(
        results.iter().all(|r| !matches!(r.outcome, Outcome::Fail(_))),
        "{results:?}"
    );
    assert_eq!(
        moderation_state(&sb),
        before,
        "comments written were deleted, hidden ones unhidden, comments enabled again"
    );
}

#[test]
fn live_configuration_comes_from_the_environment_and_is_checked() {
    let env = |pairs: &'static [(&'static str, &'static str)]| {
        move |k: &str| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
    };
    let e = Target::live_from(env(&[("IG_USER_ID", "1784")]), None).unwrap_err();
    assert!(e.contains("IG_ACCESS_TOKEN"), "{e}");
    let e = Target::live_from(env(&[("IG_ACCESS_TOKEN", "t")]), None).unwrap_err();
    assert!(e.contains("IG_USER_ID"), "{e}");
    let e = Target::live_from(env(&[("IG_ACCESS_TOKEN", "t"), ("IG_USER_ID", "me")]), None).unwrap_err();
    assert!(e.contains("numeric"), "{e}");
    let t = Target::live_from(
        env(&[("IG_ACCESS_TOKEN", "t"), ("IG_USER_ID", "17841405822304914")]),
        None,
    )
    .unwrap();
    let Target::Live {
        base_url,
        version,
        app_secret,
        ..
    } = t
    else {
        panic!()
    };
    assert_eq!(base_url, "https://graph.facebook.com");
    assert_eq!(version, "v27.0", "the newest version of the timeline");
    assert_eq!(app_secret, None);
    let t = Target::live_from(
        env(&[
            ("IG_ACCESS_TOKEN", "t"),
            ("IG_USER_ID", "1"),
            ("IG_GRAPH_URL", "https://example.test/"),
            ("IG_API_VERSION", "v19.0"),
        ]),
        None,
    )
    .unwrap();
    assert_eq!(t.base_url(), "https://example.test");
}

#[test]
fn recordings_never_contain_tokens_proofs_or_secrets() {
    let sb = sim::fresh();
    let secret = sb.app_secret();
    let results = run(&loopback_live(&sb, Some(&secret)), &[]);
    let mut secrets: BTreeSet<String> = [sb.user_token("Dana Admin"), secret.clone()].into();
    for r in &results {
        for e in &r.raw {
            for key in [
                "access_token",
                "appsecret_proof",
                "fb_exchange_token",
                "input_token",
                "client_secret",
            ] {
                if let Some(v) = conformance::client::query_value(&e.url, key) {
                    secrets.insert(v);
                }
            }
            if let Some(t) = e.body.get("access_token").and_then(|v| v.as_str()) {
                secrets.insert(t.to_string());
            }
        }
    }
    let dir = std::env::temp_dir().join(format!("igconform-rec-{}", std::process::id()));
    let recs: Vec<Recording> = results.iter().map(|r| r.recording.clone()).collect();
    record::write_dir(&dir, &recs).unwrap();
    for f in std::fs::read_dir(&dir).unwrap() {
        let text = std::fs::read_to_string(f.unwrap().path()).unwrap();
        for s in secrets.iter().filter(|s| s.len() >= 8 && *s != "[redacted]") {
            assert!(!text.contains(s.as_str()), "a credential leaked into a recording");
        }
    }
    let back = record::read(&dir).unwrap();
    assert_eq!(back.len(), recs.len());
    assert!(drift::compare(&recs, &back).is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_junit_file_names_failures_skips_and_drift() {
    let sb = sim::fresh();
    let mut results = run(&loopback_live(&sb, None), &["token_exchange", "ig_user_fields"]);
    results[0].outcome = Outcome::Fail(Failure {
        check: Check::Schema,
        step: "a <step> & more".into(),
        message: "bad \"shape\"".into(),
    });
    let xml = report::junit("live", &results, Some(&[]));
    assert!(xml.starts_with("<?xml"));
    assert!(xml.contains("tests=\"3\" failures=\"1\" skipped=\"1\""), "{xml}");
    assert!(
        xml.contains(
            "<failure type=\"schema\" message=\"step &apos;a &lt;step&gt; &amp; more&apos;: bad &quot;shape&quot;\""
        ),
        "{xml}"
    );
    assert!(xml.contains("<skipped message="));
    assert!(xml.contains("name=\"no_drift\" time=\"0\"/>"));
}

fn igconform(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_igconform"));
    cmd.args(args).env_remove("IG_ACCESS_TOKEN").env_remove("IG_USER_ID");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run igconform");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn igconform_with_no_arguments_passes_against_its_own_simulator() {
    let (code, _, err) = igconform(&[], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("passed, 0 failed"), "{err}");
    assert!(err.contains("[1/"), "progress lines: {err}");
}

#[test]
fn igconform_records_diffs_and_exits_3_on_drift() {
    let dir = std::env::temp_dir().join(format!("igconform-cli-{}", std::process::id()));
    let rec = dir.join("rec");
    let junit = dir.join("out.xml");
    let md = dir.join("drift.md");
    let (code, _, err) = igconform(
        &[
            "-q",
            "--only",
            "ig_user_fields",
            "--record",
            rec.to_str().unwrap(),
            "--junit",
            junit.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    assert!(std::fs::read_to_string(&junit)
        .unwrap()
        .contains("name=\"ig_user_fields\""));
    let (code, out, err) = igconform(&["diff", rec.to_str().unwrap(), "-q"], &[]);
    assert_eq!(code, 0, "{out}{err}");
    // Make the recording disagree with igsim: a field changes type.
    let file = rec.join("ig_user_fields.json");
    let text = std::fs::read_to_string(&file)
        .unwrap()
        .replace("\"followers_count\": 5837", "\"followers_count\": \"5837\"");
    std::fs::write(&file, text).unwrap();
    let (code, out, _) = igconform(
        &["diff", rec.to_str().unwrap(), "-q", "--report", md.to_str().unwrap()],
        &[],
    );
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("[type changed] ig_user_fields"), "{out}");
    assert!(std::fs::read_to_string(&md)
        .unwrap()
        .contains("| type changed | ig_user_fields |"));
    // A recording against itself never drifts.
    let (code, _, _) = igconform(
        &["diff", rec.to_str().unwrap(), "--against", rec.to_str().unwrap()],
        &[],
    );
    assert_eq!(code, 0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn igconform_reports_usage_errors_with_exit_2() {
    let (code, _, err) = igconform(&["--live"], &[]);
    assert_eq!(code, 2);
    assert!(err.contains("IG_ACCESS_TOKEN"), "{err}");
    assert_eq!(igconform(&["--no-such-flag"], &[]).0, 2);
    assert_eq!(igconform(&["--only", "no_such_scenario"], &[]).0, 2);
    assert_eq!(igconform(&["diff", "/nonexistent/recording"], &[]).0, 2);
    let (code, out, _) = igconform(&["--help"], &[]);
    assert_eq!(code, 0);
    assert!(out.contains("EXIT CODES"), "{out}");
}

#[test]
fn a_simulator_at_a_url_is_a_target_with_a_control_plane() {
    let url = target::shared_simulator().base_url();
    let (code, _, err) = igconform(&["--target", &url, "-q", "--only", "paging_walk"], &[]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = igconform(&["--target", "http://127.0.0.1:9", "-q", "--only", "paging_walk"], &[]);
    assert_eq!(code, 1, "an unreachable target fails the run: {err}");
    assert!(err.contains("transport"), "{err}");
}
