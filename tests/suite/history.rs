//! `vibe history`: the merged timeline, its filters, and bad filter input.

use vibe::store::Store;

use crate::common::records::{self, seed};
use crate::common::TestEnv;

fn seeded() -> TestEnv {
    let env = TestEnv::new();
    let mut store = Store::open(&env.db_path()).unwrap();
    seed(&mut store);
    env
}

#[test]
fn empty_history_says_how_to_start() {
    let env = TestEnv::new();
    insta::assert_snapshot!(env.ok(&["history"]), @r#"No history yet. Start with `vibe plan "describe a change"` inside a repository."#);
    let json: serde_json::Value = serde_json::from_str(&env.ok(&["history", "--json"])).unwrap();
    assert_eq!(json, serde_json::json!({ "user": null, "entries": [] }));
}

#[test]
fn shows_the_logged_in_users_records_and_unowned_ones_newest_first() {
    let env = seeded();
    // ada logged in last: bob's plan, job and PR are not hers.
    insta::assert_snapshot!(env.ok(&["history"]), @r"
    ID        KIND  STATUS    REPO        SUMMARY                         WHEN
    e0000001  job   running   /src/notes  vibe/e0000001-change            2026-03-14 15:00
    j1000002  job   failed    acme/api    Paginate the orders endpoint    2026-03-12 08:30
    p1000002  plan  draft     acme/api    Paginate the orders endpoint    2026-03-12 08:00
    r1000001  pr    merged    acme/web    #42 Rate-limit the login route  2026-03-01 10:20
    j1000001  job   done      acme/web    Rate-limit the login route      2026-03-01 10:10
    p1000001  plan  approved  acme/web    Rate-limit the login route      2026-03-01 10:05
    c1000001  crs   -         acme/web    Rate-limit the login route      2026-03-01 10:00
    ");
}

#[test]
fn filters_by_time_repo_status_and_limit() {
    let env = seeded();
    let ids = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["history", "--json"];
        all.extend_from_slice(args);
        let json: serde_json::Value = serde_json::from_str(&env.ok(&all)).unwrap();
        assert_eq!(json["user"], "ada");
        json["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_str().unwrap()[..8].to_string())
            .collect()
    };
    assert_eq!(ids(&["--since", "7d"]), ["e0000001", "j1000002", "p1000002"]);
    assert_eq!(ids(&["--since", "2026-03-12T08:15:00Z"]), ["e0000001", "j1000002"]);
    assert_eq!(ids(&["--since", "2026-03-02"]), ["e0000001", "j1000002", "p1000002"]);
    assert_eq!(ids(&["--of-repo", "ACME/api"]), ["j1000002", "p1000002"]);
    assert_eq!(ids(&["--of-repo", "/src/notes"]), ["e0000001"]);
    assert_eq!(ids(&["--status", "done"]), ["j1000001"]);
    assert_eq!(ids(&["--status", "merged"]), ["r1000001"]);
    assert_eq!(ids(&["--limit", "2"]), ["e0000001", "j1000002"]);
    assert_eq!(ids(&["--since", "30m", "--limit", "1"]), ["e0000001"]);
    let (out, _) = (env.ok(&["history", "--status", "cancelled"]), ());
    assert_eq!(out, "Nothing in the history matches these filters.\n");
}

#[test]
fn json_entries_carry_kind_status_repo_and_url() {
    let env = seeded();
    let json: serde_json::Value =
        serde_json::from_str(&env.ok(&["history", "--json", "--status", "merged"])).unwrap();
    insta::assert_json_snapshot!(json, @r##"
    {
      "entries": [
        {
          "created_at": "2026-03-01T10:20:00.000Z",
          "id": "r1000001-0000-7000-8000-000000000000",
          "kind": "pr",
          "repo": "acme/web",
          "status": "merged",
          "summary": "#42 Rate-limit the login route",
          "updated_at": "2026-03-01T10:20:00.000Z",
          "url": "https://github.com/acme/web/pull/42",
          "user_id": "a0da0000-0000-7000-8000-000000000000"
        }
      ],
      "user": "ada"
    }
    "##);
}

#[test]
fn without_a_login_every_local_record_is_shown() {
    let env = TestEnv::new();
    let mut store = Store::open(&env.db_path()).unwrap();
    let bob = records::user("b0b0", "bob", 202, "2026-02-25T10:00:00.000Z");
    store.upsert_user(&bob).unwrap();
    store.insert_job(&records::job("j2", "done", Some(1000), "2026-03-02T00:00:00.000Z")).unwrap();
    store
        .insert_plan(&vibe::store::PlanRecord {
            user_id: Some(bob.id),
            ..records::plan("p2", "draft", "Something of bob", "2026-03-03T00:00:00.000Z")
        })
        .unwrap();
    let json: serde_json::Value = serde_json::from_str(&env.ok(&["history", "--json"])).unwrap();
    assert_eq!(json["user"], serde_json::Value::Null);
    assert_eq!(json["entries"].as_array().unwrap().len(), 2);
}

#[test]
fn bad_filters_get_one_clear_line_and_exit_2() {
    let env = TestEnv::new();
    let (_, err) = env.fails(&["history", "--since", "yesterday"], 2);
    insta::assert_snapshot!(err, @"error: bad --since value `yesterday`: give a duration like 30m, 12h, 7d, 2w or a date like 2026-01-31");
    let (_, err) = env.fails(&["history", "--status", "finished"], 2);
    insta::assert_snapshot!(err, @"error: unknown status `finished`; use one of: draft, approved, rejected, superseded, queued, provisioning, running, testing, committing, done, failed, cancelled, interrupted, open, closed, merged");
    let (_, err) = env.fails(&["history", "--of-repo", "not a repo"], 2);
    insta::assert_snapshot!(err, @"error: bad --of-repo value `not a repo`: give owner/name (e.g. acme/web) or the path of a local repository");
    let (_, err) = env.fails(&["history", "--limit", "0"], 2);
    assert_eq!(err, "error: --limit must be at least 1\n");
    let (_, err) = env.fails(&["history", "--limit", "many"], 2);
    assert!(err.contains("invalid value 'many' for '--limit <LIMIT>'"), "{err}");
    // Nothing was created by the failed commands.
    assert!(!env.db_path().exists());
}

#[test]
fn a_local_repository_path_selects_its_records() {
    let env = TestEnv::new();
    let repo = env.git_repo("notes");
    let root = std::fs::canonicalize(&repo).unwrap().display().to_string();
    let mut store = Store::open(&env.db_path()).unwrap();
    store
        .insert_job(&vibe::store::JobRecord {
            repo_full_name: None,
            repo_path: Some(root),
            ..records::job("e1", "done", Some(1000), "2026-03-10T00:00:00.000Z")
        })
        .unwrap();
    store.insert_job(&records::job("e2", "done", Some(1000), "2026-03-11T00:00:00.000Z")).unwrap();
    // A subdirectory of the repository names the repository.
    std::fs::create_dir_all(repo.join("src")).unwrap();
    let sub = repo.join("src").display().to_string();
    let json: serde_json::Value =
        serde_json::from_str(&env.ok(&["history", "--json", "--of-repo", &sub])).unwrap();
    let entries = json["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(&entries[0]["id"].as_str().unwrap()[..8], "e1000000");
}
