//! The team mirror: the migration in supabase/migrations on a real PostgreSQL (a private
//! cluster per test), its row rules for the secret key, a signed-in member and the
//! publishable key alone, and the admin-only team metrics.

use std::path::Path;

use crate::common::pg::PgCluster;

fn migration() -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("supabase/migrations");
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    files.iter().map(|f| std::fs::read_to_string(f).unwrap()).collect::<Vec<_>>().join("\n")
}

/// A database prepared like a Supabase project, with vibe's migration applied.
pub fn mirror_db(pg: &PgCluster, name: &str) -> postgres::Client {
    pg.create_db(name);
    let mut db = pg.connect(name);
    db.batch_execute(include_str!("../common/supabase_bootstrap.sql")).unwrap();
    db.batch_execute(&migration()).unwrap();
    db
}

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
    db.batch_execute(&migration()).unwrap();
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
