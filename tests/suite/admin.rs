//! `vibe admin metrics|users [ID]|jobs|plans|prs` on empty and filled databases.

use vibe::store::Store;

use crate::common::records::seed;
use crate::common::TestEnv;

fn seeded() -> TestEnv {
    let env = TestEnv::new();
    let mut store = Store::open(&env.db_path()).unwrap();
    seed(&mut store);
    env
}

#[test]
fn metrics_on_an_empty_database_read_well() {
    let env = TestEnv::new();
    insta::assert_snapshot!(env.ok(&["admin", "metrics"]), @r"");
    let json: serde_json::Value = serde_json::from_str(&env.ok(&["admin", "metrics", "--json"])).unwrap();
    assert_eq!(json["totals"]["jobs"], 0);
    assert_eq!(json["job_success_rate"], serde_json::Value::Null);
    assert_eq!(json["job_time"]["median_ms"], serde_json::Value::Null);
    assert_eq!(json["usage"]["since_day"], "2026-03-01");
}

#[test]
fn metrics_on_a_filled_database() {
    let env = seeded();
    insta::assert_snapshot!(env.ok(&["admin", "metrics"]), @r"");
    let json: serde_json::Value = serde_json::from_str(&env.ok(&["admin", "metrics", "--json", "--days", "3"])).unwrap();
    insta::assert_json_snapshot!(json, @r"");
}

#[test]
fn listings_with_filters() {
    let env = seeded();
    insta::assert_snapshot!(env.ok(&["admin", "jobs"]), @r"");
    insta::assert_snapshot!(env.ok(&["admin", "plans", "--status", "approved"]), @r"");
    insta::assert_snapshot!(env.ok(&["admin", "prs", "--since", "10d"]), @r"");
    insta::assert_snapshot!(env.ok(&["admin", "jobs", "--of-repo", "acme/web", "--limit", "1"]), @r"");
    let jobs: serde_json::Value = serde_json::from_str(&env.ok(&["admin", "jobs", "--json", "--status", "failed"])).unwrap();
    let jobs = jobs.as_array().unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0]["user_login"], "ada");
    assert_eq!(jobs[0]["error_message"], "tests failed: 2 of 14");
    assert_eq!(env.ok(&["admin", "prs", "--status", "closed"]), "No pull requests match these filters.\n");
    let (_, err) = env.fails(&["admin", "plans", "--status", "done"], 2);
    assert_eq!(err, "error: unknown status `done`; use one of: draft, approved, rejected, superseded\n");
}

#[test]
fn empty_listings_say_so() {
    let env = TestEnv::new();
    assert_eq!(env.ok(&["admin", "jobs"]), "No jobs recorded yet.\n");
    assert_eq!(env.ok(&["admin", "plans"]), "No plans recorded yet.\n");
    assert_eq!(env.ok(&["admin", "prs", "--json"]), "[]\n");
    assert_eq!(env.ok(&["admin", "users"]), "No users yet. A user is recorded when someone runs `vibe login`.\n");
}

#[test]
fn users_and_one_users_details() {
    let env = seeded();
    insta::assert_snapshot!(env.ok(&["admin", "users"]), @r"");
    insta::assert_snapshot!(env.ok(&["admin", "users", "ADA"]), @r"");
    // By id prefix, with filters applied to the user's records.
    insta::assert_snapshot!(env.ok(&["admin", "users", "b0b0", "--status", "open"]), @r"");
    let json: serde_json::Value = serde_json::from_str(&env.ok(&["admin", "users", "a0da", "--json"])).unwrap();
    assert_eq!(json["user"]["login"], "ada");
    assert_eq!((json["user"]["plans"].as_i64(), json["user"]["jobs"].as_i64(), json["user"]["prs"].as_i64()), (Some(2), Some(2), Some(1)));
    assert_eq!(json["jobs"].as_array().unwrap().len(), 2);
    let (_, err) = env.fails(&["admin", "users", "nobody"], 1);
    insta::assert_snapshot!(err, @r"");
    let (_, err) = env.fails(&["admin", "users", "--status", "done"], 2);
    insta::assert_snapshot!(err, @r"");
}

#[test]
fn a_database_from_a_newer_vibe_is_refused() {
    let env = TestEnv::new();
    drop(Store::open(&env.db_path()).unwrap());
    let conn = rusqlite::Connection::open(env.db_path()).unwrap();
    conn.pragma_update(None, "user_version", vibe::store::SCHEMA_VERSION + 1).unwrap();
    drop(conn);
    let (_, err) = env.fails(&["admin", "metrics"], 1);
    insta::assert_snapshot!(env.filter(&err), @r"");
    // Refused, not downgraded.
    let conn = rusqlite::Connection::open(env.db_path()).unwrap();
    let v: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
    assert_eq!(v, vibe::store::SCHEMA_VERSION + 1);
}
