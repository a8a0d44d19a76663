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
    insta::assert_snapshot!(env.ok(&["admin", "metrics"]), @r"
    Records
      users                  0
      CRSs                   0
      plans                  0
      jobs                   0
      pull requests          0

    Jobs
      success rate   - (no finished jobs yet)
      job time       - (no timed jobs yet)

    Pull requests
      opened 0, merged 0; opened in the last 14 days: 0

    Model usage since 2026-03-01 (14 days)
      no model calls recorded in this window
    ");
    let json: serde_json::Value = serde_json::from_str(&env.ok(&["admin", "metrics", "--json"])).unwrap();
    assert_eq!(json["totals"]["jobs"], 0);
    assert_eq!(json["job_success_rate"], serde_json::Value::Null);
    assert_eq!(json["job_time"]["median_ms"], serde_json::Value::Null);
    assert_eq!(json["usage"]["since_day"], "2026-03-01");
}

#[test]
fn metrics_on_a_filled_database() {
    let env = seeded();
    insta::assert_snapshot!(env.ok(&["admin", "metrics"]), @r"
    Records
      users                  2
      CRSs                   1
      plans                  3  (approved 2, draft 1)
      jobs                   4  (done 2, failed 1, running 1)
      pull requests          2  (merged 1, open 1)

    Jobs
      success rate   66.7% (2 of 3 finished)
      median time    4m05s
      p95 time       10m12s  (of 3 timed jobs)

    Pull requests
      opened 2, merged 1; opened in the last 14 days: 2

    Model usage since 2026-03-01 (14 days)
      66,400 tokens, estimated cost $0.2044

      DAY         MODEL         CALLS  PROMPT  COMPLETION  TOKENS  COST
      2026-03-12  gpt-4.1       1      30,000  6,000       36,000  $0.1080
      2026-03-12  gpt-4.1-mini  1      900     300         1,200   $0.0008
      2026-03-01  gpt-4.1       2      23,000  6,200       29,200  $0.0956

      MODEL         CALLS  PROMPT  COMPLETION  TOKENS  COST
      gpt-4.1       3      53,000  12,200      65,200  $0.2036
      gpt-4.1-mini  1      900     300         1,200   $0.0008
    ");
    let json: serde_json::Value =
        serde_json::from_str(&env.ok(&["admin", "metrics", "--json", "--days", "3"])).unwrap();
    insta::assert_json_snapshot!(json, @r#"
    {
      "days": 3,
      "job_success_rate": 0.6666666666666666,
      "job_time": {
        "count": 3,
        "median_ms": 245000,
        "p95_ms": 612000
      },
      "jobs_by_status": {
        "done": 2,
        "failed": 1,
        "running": 1
      },
      "plans_by_status": {
        "approved": 2,
        "draft": 1
      },
      "prs": {
        "merged": 1,
        "opened": 2,
        "opened_in_window": 0
      },
      "prs_by_state": {
        "merged": 1,
        "open": 1
      },
      "totals": {
        "crs": 1,
        "jobs": 4,
        "plans": 3,
        "prs": 2,
        "users": 2
      },
      "usage": {
        "by_day": [
          {
            "calls": 1,
            "completion_tokens": 6000,
            "cost_usd": 0.108,
            "day": "2026-03-12",
            "model": "gpt-4.1",
            "prompt_tokens": 30000,
            "tokens": 36000
          },
          {
            "calls": 1,
            "completion_tokens": 300,
            "cost_usd": 0.00084,
            "day": "2026-03-12",
            "model": "gpt-4.1-mini",
            "prompt_tokens": 900,
            "tokens": 1200
          }
        ],
        "by_model": [
          {
            "calls": 1,
            "completion_tokens": 6000,
            "cost_usd": 0.108,
            "model": "gpt-4.1",
            "prompt_tokens": 30000,
            "tokens": 36000
          },
          {
            "calls": 1,
            "completion_tokens": 300,
            "cost_usd": 0.00084,
            "model": "gpt-4.1-mini",
            "prompt_tokens": 900,
            "tokens": 1200
          }
        ],
        "since_day": "2026-03-12",
        "total_cost_usd": 0.10884,
        "total_tokens": 37200
      }
    }
    "#);
}

#[test]
fn listings_with_filters() {
    let env = seeded();
    insta::assert_snapshot!(env.ok(&["admin", "jobs"]), @r"
    ID        STATUS   REPO        USER  TIME    FILES  TOKENS  CREATED
    e0000001  running  /src/notes  -     -       3      25,000  2026-03-14 15:00
    j1000002  failed   acme/api    ada   10m12s  3      25,000  2026-03-12 08:30
    j2000001  done     acme/web    bob   1m35s   3      25,000  2026-03-05 12:10
    j1000001  done     acme/web    ada   4m05s   3      25,000  2026-03-01 10:10
    ");
    insta::assert_snapshot!(env.ok(&["admin", "plans", "--status", "approved"]), @r"
    ID        STATUS    REPO      USER  COMPLEXITY  STEPS  TOKENS  CREATED           SUMMARY
    p2000001  approved  acme/web  bob   medium      4      4,200   2026-03-05 12:00  Fix the footer links
    p1000001  approved  acme/web  ada   medium      4      4,200   2026-03-01 10:05  Rate-limit the login route
    ");
    insta::assert_snapshot!(env.ok(&["admin", "prs", "--since", "10d"]), @r"
    ID        STATE  REPO      PR   USER  CREATED           TITLE
    r2000001  open   acme/web  #43  bob   2026-03-05 12:20  Fix the footer links
    ");
    insta::assert_snapshot!(env.ok(&["admin", "jobs", "--of-repo", "acme/web", "--limit", "1"]), @r"
    ID        STATUS  REPO      USER  TIME   FILES  TOKENS  CREATED
    j2000001  done    acme/web  bob   1m35s  3      25,000  2026-03-05 12:10
    ");
    let jobs: serde_json::Value =
        serde_json::from_str(&env.ok(&["admin", "jobs", "--json", "--status", "failed"])).unwrap();
    let jobs = jobs.as_array().unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0]["user_login"], "ada");
    assert_eq!(jobs[0]["error_message"], "tests failed: 2 of 14");
    assert_eq!(env.ok(&["admin", "prs", "--status", "closed"]), "No pull requests match these filters.\n");
    let (_, err) = env.fails(&["admin", "metrics", "--days", "0"], 2);
    assert_eq!(err, "error: --days must be between 1 and 3650\n");
    let (_, err) = env.fails(&["admin", "jobs", "--since", "3x"], 2);
    assert!(err.starts_with("error: bad --since value `3x`"), "{err}");
    let (_, err) = env.fails(&["admin", "plans", "--status", "done"], 2);
    assert_eq!(err, "error: unknown status `done`; use one of: draft, approved, rejected, superseded\n");
}

#[test]
fn empty_listings_say_so() {
    let env = TestEnv::new();
    assert_eq!(env.ok(&["admin", "jobs"]), "No jobs recorded yet.\n");
    assert_eq!(env.ok(&["admin", "plans"]), "No plans recorded yet.\n");
    assert_eq!(env.ok(&["admin", "prs", "--json"]), "[]\n");
    assert_eq!(
        env.ok(&["admin", "users"]),
        "No users yet. A user is recorded when someone runs `vibe login`.\n"
    );
}

#[test]
fn users_and_one_users_details() {
    let env = seeded();
    insta::assert_snapshot!(env.ok(&["admin", "users"]), @r"
    ID        LOGIN  NAME          PLANS  JOBS  PRS  LAST LOGIN        CREATED
    b0b00000  bob    -             1      1     1    2026-03-10 09:00  2026-02-25 10:00
    a0da0000  ada    Ada Lovelace  2      2     1    2026-03-14 09:00  2026-02-20 10:00
    ");
    insta::assert_snapshot!(env.ok(&["admin", "users", "ADA"]), @r"
    ada (github.com)
      id          a0da0000-0000-7000-8000-000000000000
      name        Ada Lovelace
      email       ada@example.com
      profile     https://github.com/ada
      last login  2026-03-14 09:00
      first seen  2026-02-20 10:00
      records     2 plans, 2 jobs, 1 pull request

    Plans
      ID        STATUS    REPO      USER  COMPLEXITY  STEPS  TOKENS  CREATED           SUMMARY
      p1000002  draft     acme/api  ada   medium      4      4,200   2026-03-12 08:00  Paginate the orders endpoint
      p1000001  approved  acme/web  ada   medium      4      4,200   2026-03-01 10:05  Rate-limit the login route

    Jobs
      ID        STATUS  REPO      USER  TIME    FILES  TOKENS  CREATED
      j1000002  failed  acme/api  ada   10m12s  3      25,000  2026-03-12 08:30
      j1000001  done    acme/web  ada   4m05s   3      25,000  2026-03-01 10:10

    Pull requests
      ID        STATE   REPO      PR   USER  CREATED           TITLE
      r1000001  merged  acme/web  #42  ada   2026-03-01 10:20  Rate-limit the login route
    ");
    // By id prefix, with filters applied to the user's records.
    insta::assert_snapshot!(env.ok(&["admin", "users", "b0b0", "--status", "open"]), @r"
    bob (github.com)
      id          b0b00000-0000-7000-8000-000000000000
      name        -
      email       -
      profile     https://github.com/bob
      last login  2026-03-10 09:00
      first seen  2026-02-25 10:00
      records     1 plan, 1 job, 1 pull request

    Plans
      none match these filters

    Jobs
      none match these filters

    Pull requests
      ID        STATE  REPO      PR   USER  CREATED           TITLE
      r2000001  open   acme/web  #43  bob   2026-03-05 12:20  Fix the footer links
    ");
    let json: serde_json::Value =
        serde_json::from_str(&env.ok(&["admin", "users", "a0da", "--json"])).unwrap();
    assert_eq!(json["user"]["login"], "ada");
    assert_eq!(
        (json["user"]["plans"].as_i64(), json["user"]["jobs"].as_i64(), json["user"]["prs"].as_i64()),
        (Some(2), Some(2), Some(1))
    );
    assert_eq!(json["jobs"].as_array().unwrap().len(), 2);
    let (_, err) = env.fails(&["admin", "users", "nobody"], 1);
    insta::assert_snapshot!(err, @r"
    error: no user with id or login `nobody`
      hint: `vibe admin users` lists the users and their ids
    ");
    let (_, err) = env.fails(&["admin", "users", "--status", "done"], 2);
    insta::assert_snapshot!(err, @"error: --status and --of-repo filter records, not users; give a user (vibe admin users ID --status …)");
}

#[test]
fn a_database_from_a_newer_vibe_is_refused() {
    let env = TestEnv::new();
    drop(Store::open(&env.db_path()).unwrap());
    let conn = rusqlite::Connection::open(env.db_path()).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let (_, err) = env.fails(&["admin", "metrics"], 1);
    let err = env.filter(&err).replace(&format!("({})", vibe::store::SCHEMA_VERSION), "(N)");
    insta::assert_snapshot!(err, @r"
    error: the database [ROOT]/vibe-home/vibe.db has schema version 99, newer than this vibe understands (N)
      hint: upgrade vibe (cargo install --path . in a newer checkout), or set VIBE_HOME to another directory
    ");
    // Refused, not downgraded.
    let conn = rusqlite::Connection::open(env.db_path()).unwrap();
    let v: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
    assert_eq!(v, 99);
}
