//! Tracking records for tests, written through the library (`vibe::store::Store`): complete
//! rows with plain defaults that each test adjusts with struct update syntax.

use vibe::store::{CrsRecord, JobRecord, PlanRecord, PrRecord, Store, UserRecord};

/// A UUID-shaped id whose first 8 characters (the short id) are `short`.
pub fn id(short: &str) -> String {
    format!("{short:0<8}-0000-7000-8000-000000000000")
}

pub fn user(short: &str, login: &str, github_id: i64, at: &str) -> UserRecord {
    UserRecord {
        id: id(short),
        github_host: "github.com".into(),
        github_id,
        login: login.into(),
        name: None,
        email: None,
        avatar_url: None,
        html_url: Some(format!("https://github.com/{login}")),
        last_login_at: None,
        created_at: at.into(),
        updated_at: at.into(),
    }
}

pub fn crs(short: &str, prompt: &str, at: &str) -> CrsRecord {
    CrsRecord {
        id: id(short),
        user_id: None,
        github_host: Some("github.com".into()),
        repo_full_name: Some("acme/web".into()),
        repo_path: None,
        prompt: prompt.into(),
        summary: None,
        crs_json: "{}".into(),
        model: Some("gpt-4.1".into()),
        prompt_tokens: Some(900),
        completion_tokens: Some(300),
        tokens_used: Some(1200),
        cost_usd: Some(0.004),
        processing_time_ms: Some(2100),
        created_at: at.into(),
        updated_at: at.into(),
    }
}

pub fn plan(short: &str, status: &str, summary: &str, at: &str) -> PlanRecord {
    PlanRecord {
        id: id(short),
        user_id: None,
        github_host: Some("github.com".into()),
        repo_full_name: Some("acme/web".into()),
        parent_id: None,
        status: status.into(),
        task_summary: Some(summary.into()),
        complexity: Some("medium".into()),
        confidence: Some(0.8),
        steps_count: 4,
        processing_time_ms: Some(5400),
        model: Some("gpt-4.1".into()),
        prompt_tokens: Some(3000),
        completion_tokens: Some(1200),
        tokens_used: Some(4200),
        crs_id: None,
        repo_path: None,
        plan_json: None,
        cost_usd: Some(0.02),
        created_at: at.into(),
        updated_at: at.into(),
    }
}

pub fn job(short: &str, status: &str, ms: Option<i64>, at: &str) -> JobRecord {
    JobRecord {
        id: id(short),
        plan_id: None,
        user_id: None,
        github_host: Some("github.com".into()),
        repo_full_name: Some("acme/web".into()),
        branch_name: Some(format!("vibe/{short}-change")),
        sandbox: Some("local".into()),
        status: status.into(),
        base_commit: None,
        commit_sha: None,
        execution_time_ms: ms,
        files_changed: 3,
        lines_added: Some(40),
        lines_removed: Some(5),
        tokens_used: Some(25_000),
        error_message: None,
        started_at: None,
        finished_at: None,
        repo_path: None,
        model: Some("gpt-4.1".into()),
        cost_usd: Some(0.1),
        pid: None,
        heartbeat_at: None,
        cancel_requested: false,
        result_json: None,
        created_at: at.into(),
        updated_at: at.into(),
    }
}

pub fn pr(short: &str, number: i64, state: &str, title: &str, at: &str) -> PrRecord {
    PrRecord {
        id: id(short),
        job_id: None,
        user_id: None,
        github_host: "github.com".into(),
        repo_full_name: "acme/web".into(),
        pr_number: number,
        pr_url: format!("https://github.com/acme/web/pull/{number}"),
        state: state.into(),
        draft: false,
        title: Some(title.into()),
        head_ref: None,
        base_ref: Some("main".into()),
        head_sha: None,
        created_at: at.into(),
        updated_at: at.into(),
    }
}

/// A small history of two users (ada logged in last) and some records of nobody, across
/// two repositories and two weeks before the test clock (2026-03-14T15:09:26Z).
pub fn seed(store: &mut Store) {
    let ada = UserRecord {
        name: Some("Ada Lovelace".into()),
        email: Some("ada@example.com".into()),
        last_login_at: Some("2026-03-14T09:00:00.000Z".into()),
        ..user("a0da", "ada", 101, "2026-02-20T10:00:00.000Z")
    };
    let bob = UserRecord {
        last_login_at: Some("2026-03-10T09:00:00.000Z".into()),
        ..user("b0b0", "bob", 202, "2026-02-25T10:00:00.000Z")
    };
    store.upsert_user(&ada).unwrap();
    store.upsert_user(&bob).unwrap();
    let ada = Some(ada.id);
    let bob = Some(bob.id);

    store
        .insert_crs(&CrsRecord {
            user_id: ada.clone(),
            summary: Some("Rate-limit the login route".into()),
            ..crs("c1000001", "add rate limiting to login", "2026-03-01T10:00:00.000Z")
        })
        .unwrap();
    store
        .insert_plan(&PlanRecord {
            user_id: ada.clone(),
            ..plan("p1000001", "approved", "Rate-limit the login route", "2026-03-01T10:05:00.000Z")
        })
        .unwrap();
    store
        .insert_job(&JobRecord {
            user_id: ada.clone(),
            plan_id: Some(id("p1000001")),
            ..job("j1000001", "done", Some(245_000), "2026-03-01T10:10:00.000Z")
        })
        .unwrap();
    store
        .upsert_pr(&PrRecord {
            user_id: ada.clone(),
            job_id: Some(id("j1000001")),
            ..pr("r1000001", 42, "merged", "Rate-limit the login route", "2026-03-01T10:20:00.000Z")
        })
        .unwrap();
    store
        .insert_plan(&PlanRecord {
            user_id: ada.clone(),
            repo_full_name: Some("acme/api".into()),
            ..plan("p1000002", "draft", "Paginate the orders endpoint", "2026-03-12T08:00:00.000Z")
        })
        .unwrap();
    store
        .insert_job(&JobRecord {
            user_id: ada.clone(),
            plan_id: Some(id("p1000002")),
            repo_full_name: Some("acme/api".into()),
            error_message: Some("tests failed: 2 of 14".into()),
            ..job("j1000002", "failed", Some(612_000), "2026-03-12T08:30:00.000Z")
        })
        .unwrap();
    store
        .insert_plan(&PlanRecord {
            user_id: bob.clone(),
            ..plan("p2000001", "approved", "Fix the footer links", "2026-03-05T12:00:00.000Z")
        })
        .unwrap();
    store
        .insert_job(&JobRecord {
            user_id: bob.clone(),
            plan_id: Some(id("p2000001")),
            ..job("j2000001", "done", Some(95_500), "2026-03-05T12:10:00.000Z")
        })
        .unwrap();
    store
        .upsert_pr(&PrRecord {
            user_id: bob.clone(),
            job_id: Some(id("j2000001")),
            ..pr("r2000001", 43, "open", "Fix the footer links", "2026-03-05T12:20:00.000Z")
        })
        .unwrap();
    // Made while nobody was logged in, in a repository without a GitHub remote.
    store
        .insert_job(&JobRecord {
            repo_full_name: None,
            github_host: None,
            repo_path: Some("/src/notes".into()),
            ..job("e0000001", "running", None, "2026-03-14T15:00:00.000Z")
        })
        .unwrap();
    store.record_usage("2026-03-01", "gpt-4.1", "plan", 3000, 1200, 0.0156).unwrap();
    store.record_usage("2026-03-01", "gpt-4.1", "agent", 20_000, 5000, 0.08).unwrap();
    store.record_usage("2026-03-12", "gpt-4.1", "agent", 30_000, 6000, 0.108).unwrap();
    store.record_usage("2026-03-12", "gpt-4.1-mini", "crs", 900, 300, 0.00084).unwrap();
    store.record_usage("2026-01-01", "gpt-4.1", "plan", 1000, 1000, 1.0).unwrap();
}
