//! The team mirror: the migration in supabase/migrations on a real PostgreSQL (a private
//! cluster per test), its row rules for the secret key, a signed-in member and the
//! publishable key alone, and the admin-only team metrics.

use crate::common::pg::PgCluster;

use crate::common::postgrest::mirror_db;

const MEMBER_A: &str = "a0000000-0000-4000-8000-00000000000a";
const MEMBER_B: &str = "b0000000-0000-4000-8000-00000000000b";
const USER_A: &str = "a1000000-0000-5000-8000-000000000001";
const USER_B: &str = "b1000000-0000-5000-8000-000000000002";

/// Runs `sql` as `role` with the JWT claims a Data API request of that role carries.
fn as_role(
    db: &mut postgres::Client,
    role: &str,
    sub: Option<&str>,
    sql: &str,
) -> Result<Vec<String>, String> {
    let mut tx = db.transaction().unwrap();
    tx.batch_execute(&format!("set local role {role}")).unwrap();
    let claims = match sub {
        Some(s) => format!(r#"{{"role":"{role}","sub":"{s}"}}"#),
        None => format!(r#"{{"role":"{role}"}}"#),
    };
    tx.execute("select set_config('request.jwt.claims', $1, true)", &[&claims]).unwrap();
    let out = tx
        .query(&format!("select to_json(t)::text from ({sql}) t"), &[])
        .map(|rows| rows.iter().map(|r| r.get::<_, String>(0)).collect())
        .map_err(|e| e.as_db_error().map(|d| d.code().code().to_string()).unwrap_or_else(|| e.to_string()));
    let _ = tx.rollback();
    out
}

fn exec_as(db: &mut postgres::Client, role: &str, sub: Option<&str>, sql: &str) -> Result<(), String> {
    let mut tx = db.transaction().unwrap();
    tx.batch_execute(&format!("set local role {role}")).unwrap();
    let claims = format!(r#"{{"role":"{role}","sub":"{}"}}"#, sub.unwrap_or_default());
    tx.execute("select set_config('request.jwt.claims', $1, true)", &[&claims]).unwrap();
    let out = tx
        .batch_execute(sql)
        .map_err(|e| e.as_db_error().map(|d| d.code().code().to_string()).unwrap_or_else(|| e.to_string()));
    let _ = tx.rollback();
    out
}

fn seed_two_members(db: &mut postgres::Client) {
    db.batch_execute(&format!(
        "insert into users (id, github_id, login, auth_user_id) values
           ('{USER_A}', 1, 'ada', '{MEMBER_A}'), ('{USER_B}', 2, 'bob', '{MEMBER_B}');
         insert into plan_records (id, user_id, status, steps_count) values
           ('a2000000-0000-4000-8000-000000000001', '{USER_A}', 'approved', 3),
           ('b2000000-0000-4000-8000-000000000002', '{USER_B}', 'draft', 1);
         insert into job_records (id, plan_id, user_id, status, execution_time_ms) values
           ('a3000000-0000-4000-8000-000000000001', 'a2000000-0000-4000-8000-000000000001', '{USER_A}', 'done', 1000),
           ('b3000000-0000-4000-8000-000000000002', 'b2000000-0000-4000-8000-000000000002', '{USER_B}', 'failed', 3000);"
    ))
    .unwrap();
}

#[test]
fn the_migration_applies_twice_and_its_row_rules_keep_members_to_their_own_rows() {
    let pg = PgCluster::start();
    let mut db = mirror_db(&pg, "mirror");
    // Idempotent: a second run changes nothing and fails on nothing.
    db.batch_execute(&crate::common::postgrest::migration()).unwrap();
    seed_two_members(&mut db);

    // The server keeps the time: created_at stays, updated_at moves on every write.
    let before: (String, String) = {
        let r = db
            .query_one("select created_at::text, updated_at::text from users where login = 'ada'", &[])
            .unwrap();
        (r.get(0), r.get(1))
    };
    db.batch_execute("update users set name = 'Ada', created_at = '2000-01-01' where login = 'ada'").unwrap();
    let r = db
        .query_one("select created_at::text, updated_at::text from users where login = 'ada'", &[])
        .unwrap();
    assert_eq!(r.get::<_, String>(0), before.0, "created_at is kept");
    assert!(r.get::<_, String>(1) > before.1, "updated_at moves");

    // The secret key's role sees everything.
    let all = as_role(&mut db, "service_role", None, "select id from plan_records").unwrap();
    assert_eq!(all.len(), 2);

    // A member sees and writes only rows linked to their own users row.
    let mine = as_role(&mut db, "authenticated", Some(MEMBER_A), "select user_id from job_records").unwrap();
    assert_eq!(mine, vec![format!(r#"{{"user_id":"{USER_A}"}}"#)]);
    let users = as_role(&mut db, "authenticated", Some(MEMBER_B), "select login from users").unwrap();
    assert_eq!(users, vec![r#"{"login":"bob"}"#.to_string()]);
    let foreign = exec_as(
        &mut db,
        "authenticated",
        Some(MEMBER_A),
        &format!("insert into plan_records (id, user_id) values ('a2000000-0000-4000-8000-0000000000ff', '{USER_B}')"),
    );
    assert_eq!(foreign, Err("42501".to_string()), "a plan for another member's user is refused");
    let own = exec_as(
        &mut db,
        "authenticated",
        Some(MEMBER_A),
        &format!("insert into plan_records (id, user_id) values ('a2000000-0000-4000-8000-0000000000fe', '{USER_A}')"),
    );
    assert_eq!(own, Ok(()));
    // Taking over another member's users row (same GitHub identity) is refused too.
    let takeover = exec_as(
        &mut db,
        "authenticated",
        Some(MEMBER_A),
        &format!(
            "insert into users (id, github_id, login, auth_user_id) values ('{USER_B}', 2, 'bob', '{MEMBER_A}') \
             on conflict (id) do update set auth_user_id = excluded.auth_user_id"
        ),
    );
    assert_eq!(takeover, Err("42501".to_string()));

    // The publishable key alone reads nothing: an error, not an empty answer.
    assert_eq!(as_role(&mut db, "anon", None, "select id from users"), Err("42501".to_string()));

    // Team metrics: the secret key only.
    let metrics =
        as_role(&mut db, "service_role", None, "select public.vibe_team_metrics('2026-01-01') as m").unwrap();
    let m: serde_json::Value = serde_json::from_str(&metrics[0]).unwrap();
    assert_eq!(m["m"]["job_time"], serde_json::json!({"count": 2, "median_ms": 1000, "p95_ms": 3000}));
    assert!(m["m"]["counts"]
        .as_array()
        .unwrap()
        .contains(&serde_json::json!({"tbl": "users", "status": "", "n": 2})));
    for role in ["authenticated", "anon"] {
        let refused = as_role(&mut db, role, Some(MEMBER_A), "select public.vibe_team_metrics('2026-01-01')");
        assert_eq!(refused, Err("42501".to_string()), "{role} may not read team metrics");
    }
}

// ── vibe sync ──

use crate::common::postgrest::{Supabase, PUBLISHABLE_KEY, SECRET_KEY};
use crate::common::records::{crs, id, job, plan, pr, user};
use crate::common::TestEnv;
use vibe::store::{CrsRecord, JobRecord, PlanRecord, PrRecord, Store};

const TOKEN: &str = "ghp_abcdefghijklmnopqrstuvwxyz0123456789";

/// Two users with a CRS, plans, jobs and a pull request each (valid UUIDs throughout).
fn seed(env: &TestEnv) {
    seed_users(env, &[("a1", "ada", 1), ("b1", "bob", 2)]);
}

/// `users` (id prefix, login, GitHub id) with a CRS, plans, jobs and a pull request each.
fn seed_users(env: &TestEnv, users: &[(&str, &str, i64)]) {
    let mut s = Store::open(&env.db_path()).unwrap();
    for &(u, login, n) in users {
        s.upsert_user(&user(u, login, n, "2026-03-01T10:00:00.000Z")).unwrap();
        let uid = Some(id(u));
        s.insert_crs(&CrsRecord {
            user_id: uid.clone(),
            ..crs(&format!("{u}c"), "a prompt", "2026-03-01T10:01:00.000Z")
        })
        .unwrap();
        for (k, at) in [("1", "2026-03-01T10:02:00.000Z"), ("2", "2026-03-02T10:02:00.000Z")] {
            let p = format!("{u}d{k}");
            s.insert_plan(&PlanRecord { user_id: uid.clone(), ..plan(&p, "approved", "a change", at) })
                .unwrap();
            s.insert_job(&JobRecord {
                user_id: uid.clone(),
                plan_id: Some(id(&p)),
                error_message: Some(format!("push failed: remote said bad credentials {TOKEN}")),
                ..job(&format!("{u}e{k}"), "failed", Some(1000 * n), at)
            })
            .unwrap();
        }
        s.upsert_pr(&PrRecord {
            user_id: uid.clone(),
            job_id: Some(id(&format!("{u}e1"))),
            ..pr(&format!("{u}f"), n, "open", "a change", "2026-03-02T11:00:00.000Z")
        })
        .unwrap();
    }
}

fn env_for(sb: &Supabase, key: &str) -> TestEnv {
    let mut env = TestEnv::new();
    env.set("SUPABASE_URL", sb.url.clone()).set("SUPABASE_KEY", key).set("VIBE_SYNC_BATCH", "2");
    seed(&env);
    env
}

const TABLES: &[&str] = &["users", "crs_records", "plan_records", "job_records", "pr_records"];

fn remote(sb: &Supabase) -> Vec<serde_json::Value> {
    TABLES.iter().flat_map(|t| sb.rows(t)).collect()
}

#[test]
fn sync_sends_every_row_once_parents_first_in_batches_and_twice_changes_nothing() {
    let sb = Supabase::start();
    let env = env_for(&sb, SECRET_KEY);

    let dry = env.ok(&["sync", "--dry-run", "--json"]);
    let dry: serde_json::Value = serde_json::from_str(&dry).unwrap();
    assert_eq!(dry["tables"][2]["ids"].as_array().unwrap().len(), 4, "{dry}");
    assert!(sb.requests().is_empty(), "a dry run sends nothing");

    let out = env.ok(&["sync", "--json"]);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let counts: Vec<(String, u64)> = doc["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["table"].as_str().unwrap().to_string(), t["rows"].as_u64().unwrap()))
        .collect();
    let expected: Vec<(String, u64)> = [
        ("users", 2),
        ("crs_records", 2),
        ("plan_records", 4),
        ("job_records", 4),
        ("pr_records", 2),
        ("usage_records", 0),
    ]
    .iter()
    .map(|(t, n)| (t.to_string(), *n))
    .collect();
    assert_eq!(counts, expected);

    // Bulk upserts of at most two rows, merge on id, parents' tables before children's.
    let reqs = sb.requests();
    assert_eq!(reqs.len(), 1 + 1 + 2 + 2 + 1);
    let order: Vec<&str> = reqs.iter().map(|r| r.path().trim_start_matches("/rest/v1/")).collect();
    assert_eq!(
        order,
        ["users", "crs_records", "plan_records", "plan_records", "job_records", "job_records", "pr_records"]
    );
    for r in &reqs {
        assert_eq!(r.method, "POST");
        assert_eq!(r.query_get("on_conflict").as_deref(), Some("id"));
        assert_eq!(r.header("prefer"), Some("resolution=merge-duplicates,return=minimal"));
        assert_eq!(r.header("apikey"), Some(SECRET_KEY));
        let body = r.json();
        assert!(body.as_array().unwrap().len() <= 2);
        assert!(body[0].get("updated_at").is_none(), "the server keeps updated_at");
        assert!(body[0].get("repo_path").is_none() && body[0].get("prompt").is_none());
    }

    // The mirror holds the rows; a second sync sends nothing and changes nothing.
    let first = remote(&sb);
    assert_eq!(first.len(), 14);
    let ada = &sb.rows("users")[0];
    assert_eq!(ada["login"], "ada");
    let again = env.ok(&["sync"]);
    assert!(again.contains("is up to date"), "{again}");
    assert_eq!(sb.requests().len(), reqs.len());
    assert_eq!(remote(&sb), first);

    // A change goes with the next sync, alone.
    let mut s = Store::open(&env.db_path()).unwrap();
    let mut j = s.job(&id("a1e1")).unwrap();
    j.status = "done".into();
    j.error_message = None;
    j.updated_at = "2026-03-03T00:00:00.000Z".into();
    s.update_job(&j).unwrap();
    env.ok(&["sync"]);
    assert_eq!(sb.requests().len(), reqs.len() + 1);
    let jobs = sb.rows("job_records");
    assert_eq!(jobs.iter().filter(|r| r["status"] == "done").count(), 1);

    // No secret in any remote row, nor the key anywhere in the rows.
    let all = serde_json::to_string(&remote(&sb)).unwrap();
    assert!(!all.contains(TOKEN) && !all.contains(SECRET_KEY), "{all}");
    assert!(all.contains("bad credentials"), "the message itself stays, redacted");
}

#[test]
fn a_sync_cut_short_marks_nothing_it_did_not_confirm_and_the_next_one_completes_it() {
    let sb = Supabase::start();
    let env = env_for(&sb, SECRET_KEY);
    // Users and CRSs go through; every attempt at the first plan batch meets a failing server.
    sb.fail_requests(2..5);
    let (_, stderr) = env.fails(&["sync"], 1);
    assert!(stderr.contains("did not answer") && stderr.contains("nothing was marked as synced"), "{stderr}");
    assert_eq!(sb.requests().len(), 5, "three attempts, then it stops");
    assert_eq!(sb.rows("users").len(), 2);
    assert_eq!(sb.rows("plan_records").len(), 0);
    env.ok(&["sync"]);
    // Every local row is in the mirror with the same values.
    let s = Store::open(&env.db_path()).unwrap();
    let jobs = sb.rows("job_records");
    assert_eq!(jobs.len(), 4);
    for r in &jobs {
        let local = s.job(r["id"].as_str().unwrap()).unwrap();
        assert_eq!(r["status"], local.status);
        assert_eq!(r["plan_id"].as_str(), local.plan_id.as_deref());
        assert_eq!(r["execution_time_ms"].as_i64(), local.execution_time_ms);
    }
    assert_eq!(remote(&sb).len(), 14);
}

#[test]
fn a_sync_killed_mid_batch_loses_and_duplicates_nothing() {
    let sb = Supabase::start();
    let env = env_for(&sb, SECRET_KEY);
    // The fourth request (the second batch of plans) hangs; vibe is killed while it waits.
    sb.stall_request(3);
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("vibe"))
        .env_clear()
        .envs(&env.env)
        .current_dir(&env.cwd)
        .arg("sync")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut waited = 0;
    while !sb.stalled() {
        assert!(waited < 3000, "the stalled request never came");
        std::thread::sleep(std::time::Duration::from_millis(10));
        waited += 1;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    // The server then finishes the batch vibe never saw confirmed.
    sb.release();
    let mut waited = 0;
    while sb.rows("plan_records").len() < 4 {
        assert!(waited < 3000, "the stalled batch never landed");
        std::thread::sleep(std::time::Duration::from_millis(10));
        waited += 1;
    }
    assert_eq!(sb.rows("job_records").len(), 0);

    // The next sync sends that batch again (merging into itself) and the rest once.
    env.ok(&["sync"]);
    let s = Store::open(&env.db_path()).unwrap();
    assert_eq!(remote(&sb).len(), 14);
    for r in sb.rows("plan_records") {
        let local = s.plan(r["id"].as_str().unwrap()).unwrap();
        assert_eq!(r["status"], local.status);
        assert_eq!(r["task_summary"].as_str(), local.task_summary.as_deref());
    }
    for r in sb.rows("job_records") {
        let local = s.job(r["id"].as_str().unwrap()).unwrap();
        assert_eq!(
            (r["status"].as_str(), r["plan_id"].as_str()),
            (Some(local.status.as_str()), local.plan_id.as_deref())
        );
    }
    let again = env.ok(&["sync"]);
    assert!(again.contains("is up to date"), "{again}");
}

#[test]
fn sync_says_clearly_what_is_wrong() {
    // Not configured.
    let env = TestEnv::new();
    let (_, err) = env.fails(&["sync"], 4);
    assert!(err.contains("tracking stays local") && err.contains("SUPABASE_URL and SUPABASE_KEY"), "{err}");

    let sb = Supabase::start();
    // The publishable key alone: refused before any row is sent.
    let env = env_for(&sb, PUBLISHABLE_KEY);
    let (_, err) = env.fails(&["sync"], 3);
    assert!(err.contains("publishable key") && err.contains("vibe sync login"), "{err}");
    assert!(sb.requests().is_empty());

    // A wrong key: 401.
    let env = env_for(&sb, "sb_secret_not_this_one");
    let (_, err) = env.fails(&["sync", "-vvv"], 4);
    assert!(err.contains("refused the key (401)") && err.contains("Invalid API key"), "{err}");
    assert!(!err.contains("sb_secret_not_this_one"), "the key is never logged: {err}");

    // The schema missing: 404 names the migration.
    sb.sql().batch_execute("drop table public.pr_records").unwrap();
    let env = env_for(&sb, SECRET_KEY);
    let (_, err) = env.fails(&["sync", "-vvv"], 1);
    assert!(err.contains("(404)") && err.contains("supabase/migrations"), "{err}");
    assert!(!err.contains(SECRET_KEY));
    // What the server confirmed before stays confirmed.
    assert_eq!(sb.rows("job_records").len(), 4);
}

#[test]
fn an_earlier_plan_version_changed_after_its_revision_still_reaches_the_mirror_first() {
    let sb = Supabase::start();
    let mut env = TestEnv::new();
    env.set("SUPABASE_URL", sb.url.clone()).set("SUPABASE_KEY", SECRET_KEY).set("VIBE_SYNC_BATCH", "1");
    let mut s = Store::open(&env.db_path()).unwrap();
    // v1, then v2 and v3 revising it; v1 and v2 are marked superseded after v3 was made.
    s.insert_plan(&plan("d1", "draft", "v1", "2026-03-01T10:00:00.000Z")).unwrap();
    s.insert_plan(&PlanRecord {
        parent_id: Some(id("d1")),
        ..plan("d2", "draft", "v2", "2026-03-01T10:01:00.000Z")
    })
    .unwrap();
    s.insert_plan(&PlanRecord {
        parent_id: Some(id("d2")),
        ..plan("d3", "approved", "v3", "2026-03-01T10:02:00.000Z")
    })
    .unwrap();
    for p in ["d1", "d2"] {
        s.set_plan_status(&id(p), "superseded", "2026-03-01T10:05:00.000Z").unwrap();
    }
    env.ok(&["sync"]);
    let reqs = sb.requests();
    // The first request (v3, oldest pending after the rewrite) carries its ancestors first.
    let first: Vec<String> = reqs[0]
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["task_summary"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(first, ["v1", "v2", "v3"]);
    assert_eq!(sb.rows("plan_records").len(), 3);
    let statuses: Vec<String> =
        sb.rows("plan_records").iter().map(|r| r["status"].as_str().unwrap().to_string()).collect();
    assert_eq!(statuses, ["superseded", "superseded", "approved"]);
}

#[test]
fn a_reset_mirror_is_named_as_such_and_sync_full_fills_it_again() {
    let sb = Supabase::start();
    let env = env_for(&sb, SECRET_KEY);
    env.ok(&["sync"]);
    let before = remote(&sb);
    // The mirror is emptied; a job changes locally and goes alone, without its plan.
    sb.sql()
        .batch_execute("truncate users, crs_records, plan_records, job_records, pr_records, usage_records")
        .unwrap();
    let mut s = Store::open(&env.db_path()).unwrap();
    let mut j = s.job(&id("a1e1")).unwrap();
    j.updated_at = "2026-03-04T00:00:00.000Z".into();
    s.update_job(&j).unwrap();
    let (_, err) = env.fails(&["sync"], 1);
    assert!(err.contains("23503") && err.contains("vibe sync --full"), "{err}");
    env.ok(&["sync", "--full"]);
    let after = remote(&sb);
    assert_eq!(after.len(), before.len());
    let ids = |rows: &[serde_json::Value]| rows.iter().map(|r| r["id"].clone()).collect::<Vec<_>>();
    assert_eq!(ids(&after), ids(&before));
}

// ── members: vibe sync login / logout ──

/// Signs `email` in with `vibe sync login`: once vibe has asked for a code, the test reads it
/// from the server's outbox and types it on vibe's standard input, as a member would.
fn sign_in(env: &TestEnv, sb: &Supabase, email: &str, typed: Option<&str>) -> std::process::Output {
    use std::io::Write as _;
    use std::process::Stdio;
    let sent = || sb.requests().iter().filter(|r| r.path() == "/auth/v1/otp").count();
    let before = sent();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("vibe"))
        .env_clear()
        .envs(&env.env)
        .current_dir(&env.cwd)
        .args(["sync", "login", "--email", email])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut waited = 0;
    let code = loop {
        if sent() > before {
            break sb.code_for(email).unwrap();
        }
        assert!(waited < 3000, "vibe never asked for a code for {email}");
        std::thread::sleep(std::time::Duration::from_millis(10));
        waited += 1;
    };
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "{}", typed.unwrap_or(&code)).unwrap();
    drop(stdin);
    child.wait_with_output().unwrap()
}

fn member_env(sb: &Supabase, users: &[(&str, &str, i64)]) -> TestEnv {
    let mut env = TestEnv::new();
    env.set("SUPABASE_URL", sb.url.clone()).set("SUPABASE_KEY", PUBLISHABLE_KEY);
    seed_users(&env, users);
    env
}

#[test]
fn two_members_sign_in_with_an_emailed_code_and_each_mirrors_only_their_own_rows() {
    let sb = Supabase::start();
    let ada = member_env(&sb, &[("a1", "ada", 1)]);
    let bob = member_env(&sb, &[("b1", "bob", 2)]);

    // Not signed in: refused before anything is sent.
    let (_, err) = ada.fails(&["sync"], 3);
    assert!(err.contains("vibe sync login"), "{err}");
    assert!(sb.requests().is_empty());

    // A wrong code is refused with what to do; nothing is kept.
    let out = sign_in(&ada, &sb, "ada@example.com", Some("000000"));
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("otp_expired") && err.contains("vibe sync login"), "{err}");

    for (env, email) in [(&ada, "ada@example.com"), (&bob, "bob@example.com")] {
        let out = sign_in(env, &sb, email, None);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("Signed in to {} as {email}", sb.url)));
    }
    let (ada_id, bob_id) =
        (sb.member_id("ada@example.com").unwrap(), sb.member_id("bob@example.com").unwrap());

    // Bob's access token is about to expire: his sync refreshes it first.
    sb.set_session_ttl(30);
    let out = sign_in(&bob, &sb, "bob@example.com", None);
    assert!(out.status.success());
    sb.set_session_ttl(3600);
    let before = sb.requests().len();
    ada.ok(&["sync"]);
    bob.ok(&["sync"]);

    // Each member's rows went with their own session; Bob's with a refreshed one.
    let reqs = &sb.requests()[before..];
    let refreshes: Vec<_> = reqs.iter().filter(|r| r.path().starts_with("/auth/v1/token")).collect();
    assert_eq!(refreshes.len(), 1, "Bob's expiring session is refreshed once");
    for r in reqs.iter().filter(|r| r.path().starts_with("/rest/v1/")) {
        assert_eq!(r.header("apikey"), Some(PUBLISHABLE_KEY));
        let bearer = r.header("authorization").unwrap();
        assert!(bearer.starts_with("Bearer ey") && !bearer.contains(PUBLISHABLE_KEY), "{bearer}");
    }

    // The mirror holds both; each users row carries its member's Auth id.
    let users = sb.rows("users");
    let auth_of = |login: &str| {
        users.iter().find(|u| u["login"] == login).map(|u| u["auth_user_id"].as_str().unwrap().to_string())
    };
    assert_eq!(auth_of("ada"), Some(ada_id.clone()));
    assert_eq!(auth_of("bob"), Some(bob_id.clone()));
    assert_eq!(remote(&sb).len(), 14);

    // Under the row rules, each member sees only their own rows; the secret key sees both.
    let mut db = sb.sql();
    let mine = as_role(&mut db, "authenticated", Some(&ada_id), "select login from users").unwrap();
    assert_eq!(mine, vec![r#"{"login":"ada"}"#.to_string()]);
    let jobs = as_role(&mut db, "authenticated", Some(&bob_id), "select id from job_records").unwrap();
    assert_eq!(jobs.len(), 2);
    assert_eq!(as_role(&mut db, "service_role", None, "select id from job_records").unwrap().len(), 4);

    // No session token in a remote row or in the history database.
    let sessions: Vec<String> =
        reqs.iter().filter_map(|r| r.header("authorization")).map(|b| b[7..].to_string()).collect();
    let all = serde_json::to_string(&remote(&sb)).unwrap();
    let db_bytes = String::from_utf8_lossy(&std::fs::read(ada.db_path()).unwrap()).into_owned()
        + &String::from_utf8_lossy(&std::fs::read(bob.db_path()).unwrap());
    for t in &sessions {
        assert!(!all.contains(t.as_str()) && !db_bytes.contains(t.as_str()));
    }
    assert!(!db_bytes.contains("rt0000"), "no refresh token in the history");
    // Nor in what a verbose sync logs (the refresh path included).
    sb.set_session_ttl(30);
    let out = sign_in(&bob, &sb, "bob@example.com", None);
    assert!(out.status.success());
    sb.set_session_ttl(3600);
    let logged = bob.vibe().args(["sync", "-vvv"]).output().unwrap();
    assert!(logged.status.success());
    let logged =
        String::from_utf8_lossy(&logged.stderr).into_owned() + &String::from_utf8_lossy(&logged.stdout);
    let tokens: Vec<String> = sb
        .requests()
        .iter()
        .filter_map(|r| r.header("authorization").map(|b| b[7..].to_string()))
        .chain(sb.requests().iter().filter_map(|r| {
            (!r.body.is_empty())
                .then(|| r.json())
                .and_then(|v| v["refresh_token"].as_str().map(str::to_string))
        }))
        .collect();
    assert!(!tokens.is_empty());
    for t in &tokens {
        assert!(!logged.contains(t.as_str()), "a session token in the log: {logged}");
    }
    assert!(!logged.contains(PUBLISHABLE_KEY));

    // Rows of another member's user, in Ada's history, are refused by the row rules (403).
    seed_users(&ada, &[("b1", "bob", 2)]);
    let (_, err) = ada.fails(&["sync"], 1);
    assert!(err.contains("row rules refused") && err.contains("(403)"), "{err}");
    assert!(err.contains("row-level security"), "PostgreSQL's own message: {err}");

    // The doctor says who the mirror signs in as.
    let doctor = ada.vibe().arg("doctor").output().unwrap();
    let doctor = String::from_utf8_lossy(&doctor.stdout);
    assert!(doctor.contains("signed in as ada@example.com"), "{doctor}");

    // The admin of the project sees both members' activity.
    let out = ada
        .vibe()
        .env("ADMIN_SECRET_KEY", SECRET_KEY)
        .args(["admin", "--remote", "metrics", "--json"])
        .output();
    let m: serde_json::Value = serde_json::from_slice(&out.unwrap().stdout).unwrap();
    assert_eq!(m["totals"]["users"], 2, "{m}");
    assert_eq!(m["totals"]["jobs"], 4, "{m}");

    // Signing out ends the session here and on the server; the next sync asks to sign in.
    let out = ada.ok(&["sync", "logout"]);
    assert!(out.contains("Signed out") && out.contains("ada@example.com"), "{out}");
    assert!(sb.requests().iter().any(|r| r.path() == "/auth/v1/logout"));
    let (_, err) = ada.fails(&["sync"], 3);
    assert!(err.contains("vibe sync login"), "{err}");
    let doctor = ada.vibe().arg("doctor").output().unwrap();
    let doctor = String::from_utf8_lossy(&doctor.stdout);
    assert!(doctor.contains("nobody is signed in") && doctor.contains("vibe sync login"), "{doctor}");
    bob.ok(&["sync"]);
}

// ── vibe admin --remote ──

#[test]
fn admin_remote_shows_the_teams_records_as_the_local_views_show_the_same_data() {
    let sb = Supabase::start();
    let mut env = env_for(&sb, SECRET_KEY);
    {
        let mut s = Store::open(&env.db_path()).unwrap();
        for (day, model, stage, p, c, cost) in [
            ("2026-03-01", "gpt-4.1", "plan", 1000, 200, 0.5),
            ("2026-03-01", "gpt-4.1", "agent", 3000, 500, 1.25),
            ("2026-03-02", "gpt-4.1-mini", "crs", 800, 100, 0.125),
        ] {
            s.record_usage(day, model, stage, p, c, cost).unwrap();
            s.record_usage(day, model, stage, p, c, cost).unwrap();
        }
    }
    // Without the admin key: a refusal that names it, before anything is asked.
    let (_, err) = env.fails(&["admin", "--remote", "metrics"], 4);
    assert!(err.contains("ADMIN_SECRET_KEY"), "{err}");
    env.set("ADMIN_SECRET_KEY", PUBLISHABLE_KEY);
    let (_, err) = env.fails(&["admin", "metrics", "--remote"], 4);
    assert!(err.contains("ADMIN_SECRET_KEY") && err.contains("secret key"), "{err}");
    assert!(sb.requests().is_empty());

    env.ok(&["sync"]);
    assert_eq!(sb.rows("usage_records").len(), 3, "usage is mirrored per installation, day, model and stage");
    env.set("ADMIN_SECRET_KEY", SECRET_KEY);

    // The same numbers as the local metrics of the same data.
    let args = |remote: bool| {
        let mut a = vec!["admin", "metrics", "--days", "3650", "--json"];
        if remote {
            a.insert(1, "--remote");
        }
        a.iter().map(|s| s.to_string()).collect::<Vec<_>>()
    };
    let local: serde_json::Value =
        serde_json::from_str(&env.ok(&args(false).iter().map(String::as_str).collect::<Vec<_>>())).unwrap();
    let remote: serde_json::Value =
        serde_json::from_str(&env.ok(&args(true).iter().map(String::as_str).collect::<Vec<_>>())).unwrap();
    assert_eq!(remote, local);
    assert_eq!(remote["usage"]["by_model"][0]["calls"], 4);
    let text = env.ok(&["admin", "--remote", "metrics", "--days", "3650"]);
    assert_eq!(text, env.ok(&["admin", "metrics", "--days", "3650"]));

    // Listings: the same records, users and filters.
    let ids = |out: &str| {
        let v: serde_json::Value = serde_json::from_str(out).unwrap();
        v.as_array()
            .unwrap()
            .iter()
            .map(|r| (r["id"].as_str().unwrap().to_string(), r["user_login"].clone(), r["status"].clone()))
            .collect::<Vec<_>>()
    };
    for what in
        [&["jobs"][..], &["jobs", "--status", "failed", "--limit", "3"], &["plans", "--since", "2026-03-02"]]
    {
        let mut remote = vec!["admin", "--remote"];
        remote.extend_from_slice(what);
        remote.push("--json");
        let mut local = vec!["admin"];
        local.extend_from_slice(what);
        local.push("--json");
        assert_eq!(ids(&env.ok(&remote)), ids(&env.ok(&local)), "{what:?}");
    }
    let prs = env.ok(&["admin", "--remote", "prs", "--of-repo", "acme/web", "--json"]);
    let local_prs = env.ok(&["admin", "prs", "--of-repo", "acme/web", "--json"]);
    let n = |s: &str| serde_json::from_str::<serde_json::Value>(s).unwrap().as_array().unwrap().len();
    assert_eq!((n(&prs), n(&local_prs)), (2, 2));
    let users: serde_json::Value =
        serde_json::from_str(&env.ok(&["admin", "--remote", "users", "--json"])).unwrap();
    let local_users: serde_json::Value =
        serde_json::from_str(&env.ok(&["admin", "users", "--json"])).unwrap();
    let counts = |v: &serde_json::Value| {
        v.as_array()
            .unwrap()
            .iter()
            .map(|u| (u["login"].clone(), u["plans"].clone(), u["jobs"].clone(), u["prs"].clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(counts(&users), counts(&local_users));
    let ada = env.ok(&["admin", "--remote", "users", "ada"]);
    assert!(ada.contains("ada") && ada.contains("2 plans, 2 jobs, 1 pull request"), "{ada}");
    let (_, err) = env.fails(&["admin", "--remote", "users", "nobody"], 1);
    assert!(err.contains("no user with id or login `nobody` in the mirror"), "{err}");

    // Every read went with the admin key, and no key reached a row.
    for r in sb.requests().iter().filter(|r| r.method == "GET" || r.path().contains("/rpc/")) {
        assert_eq!(r.header("apikey"), Some(SECRET_KEY));
    }
}

// ── sync.auto ──

#[test]
fn with_sync_auto_a_plan_reaches_the_mirror_by_itself_and_a_mirror_down_fails_nothing() {
    use crate::common::openai::Reply;
    use crate::suite::crs_plan::{crs_doc, plan_doc, setup};
    let sb = Supabase::start();
    let (mut env, server) = setup();
    env.set("SUPABASE_URL", sb.url.clone()).set("SUPABASE_KEY", SECRET_KEY).set("VIBE_SYNC_AUTO", "true");
    server.push(Reply::json(&crs_doc()));
    server.push(Reply::json(&plan_doc()));
    let out: serde_json::Value =
        serde_json::from_str(&env.ok(&["plan", "add a --verbose flag", "--json"])).unwrap();
    let plan_id = out["id"].as_str().unwrap().to_string();
    let mut waited = 0;
    while !sb.rows("plan_records").iter().any(|r| r["id"] == plan_id.as_str()) {
        assert!(waited < 3000, "the plan never reached the mirror");
        std::thread::sleep(std::time::Duration::from_millis(10));
        waited += 1;
    }
    assert_eq!(sb.rows("crs_records").len(), 1);

    // The mirror unreachable: the plan is made and printed as always; the rows wait.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    env.set("SUPABASE_URL", dead);
    server.push(Reply::json(&crs_doc()));
    server.push(Reply::json(&plan_doc()));
    let out = env.vibe().args(["plan", "add a --verbose flag", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).is_empty(), "{}", String::from_utf8_lossy(&out.stderr));

    // The background sync met the dead mirror and said so in its log, not on the terminal.
    let log = env.vibe_home().join("logs/sync.log");
    let mut waited = 0;
    while !std::fs::read_to_string(&log).unwrap_or_default().contains("did not answer") {
        assert!(waited < 6000, "no failure in {}", log.display());
        std::thread::sleep(std::time::Duration::from_millis(10));
        waited += 1;
    }
}
