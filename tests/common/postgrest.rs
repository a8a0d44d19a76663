//! A loopback Supabase Data API (PostgREST's wire protocol) over a real PostgreSQL database,
//! for the calls vibe makes: bulk upserts `POST /rest/v1/{table}` with `on_conflict` and
//! `Prefer: resolution=merge-duplicates`. Each request runs in its own transaction as the
//! key's role with its JWT claims, so grants, row rules, constraints and SQLSTATEs are
//! PostgreSQL's own. Every request is recorded; scripted faults answer 503 first.

use std::sync::{Arc, Mutex};

use serde_json::{json, Value};

use super::gh_http::{serve, Request, Response};
use super::pg::PgCluster;

/// The migration files of supabase/migrations, in order, as one script.
pub fn migration() -> String {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("supabase/migrations");
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    files.iter().map(|f| std::fs::read_to_string(f).unwrap()).collect::<Vec<_>>().join("\n")
}

/// A database prepared like a Supabase project, with vibe's migration applied.
pub fn mirror_db(pg: &PgCluster, name: &str) -> postgres::Client {
    pg.create_db(name);
    let mut db = pg.connect(name);
    db.batch_execute(include_str!("supabase_bootstrap.sql")).unwrap();
    db.batch_execute(&migration()).unwrap();
    db
}

pub const SECRET_KEY: &str = "sb_secret_TESTtestTESTtestTESTtest01";
pub const PUBLISHABLE_KEY: &str = "sb_publishable_TESTtestTESTtest02";

#[derive(Default)]
struct State {
    requests: Vec<Request>,
    fail: std::ops::Range<usize>,
}

/// The server, its database and its record of requests.
pub struct Supabase {
    pub url: String,
    state: Arc<Mutex<State>>,
    pub db: String,
    // Dropped last: the cluster outlives the server's connections' use.
    pub pg: PgCluster,
}

impl Supabase {
    /// A cluster, a database prepared like a Supabase project with vibe's migration, and the
    /// Data API in front of it.
    pub fn start() -> Self {
        let pg = PgCluster::start();
        let db = "mirror".to_string();
        drop(mirror_db(&pg, &db));
        let state = Arc::new(Mutex::new(State::default()));
        let conninfo = pg.conninfo(&db);
        let st = state.clone();
        let url = serve(Arc::new(move |req: Request| handle(&conninfo, &st, req)));
        Supabase { url, state, db, pg }
    }

    /// A superuser connection to the mirror's database.
    pub fn sql(&self) -> postgres::Client {
        self.pg.connect(&self.db)
    }

    /// Every row of `table` as JSON text, ordered by id.
    pub fn rows(&self, table: &str) -> Vec<Value> {
        self.sql()
            .query(&format!("select to_json(t)::text from public.{table} t order by id"), &[])
            .unwrap()
            .iter()
            .map(|r| serde_json::from_str(&r.get::<_, String>(0)).unwrap())
            .collect()
    }

    pub fn requests(&self) -> Vec<Request> {
        self.state.lock().unwrap().requests.clone()
    }

    /// Requests number `range` (0-based, counting every request) get 503, as a gateway in
    /// trouble answers.
    pub fn fail_requests(&self, range: std::ops::Range<usize>) {
        self.state.lock().unwrap().fail = range;
    }
}

fn err(status: u16, code: &str, message: &str) -> Response {
    Response::json(status, &json!({"code": code, "details": null, "hint": null, "message": message}))
}

fn handle(conninfo: &str, state: &Mutex<State>, req: Request) -> Response {
    {
        let mut st = state.lock().unwrap();
        let n = st.requests.len();
        st.requests.push(req.clone());
        if st.fail.contains(&n) {
            return Response::text(503, "upstream connect error");
        }
    }
    let role = match req.header("apikey") {
        None => {
            return Response::json(
                401,
                &json!({"message": "No API key found in request", "hint": "No `apikey` request header or url param was found."}),
            )
        }
        Some(SECRET_KEY) => "service_role",
        Some(PUBLISHABLE_KEY) => "anon",
        Some(_) => {
            return Response::json(
                401,
                &json!({"message": "Invalid API key", "hint": "Double check your Supabase `anon` or `service_role` API key."}),
            )
        }
    };
    let Some(table) = req.path().strip_prefix("/rest/v1/").map(str::to_string) else {
        return Response::json(404, &json!({"message": "no Route matched with those values"}));
    };
    match req.method.as_str() {
        "POST" => upsert(conninfo, role, &table, &req),
        _ => err(405, "PGRST117", "Unsupported HTTP method"),
    }
}

fn quote(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

fn upsert(conninfo: &str, role: &str, table: &str, req: &Request) -> Response {
    let mut db = postgres::Client::connect(conninfo, postgres::NoTls).unwrap();
    let columns: Vec<String> = db
        .query(
            "select column_name::text from information_schema.columns where table_schema = 'public' and table_name = $1",
            &[&table],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    if columns.is_empty() {
        return err(
            404,
            "PGRST205",
            &format!("Could not find the table 'public.{table}' in the schema cache"),
        );
    }
    let body = req.json();
    let rows = match &body {
        Value::Array(a) => a.clone(),
        Value::Object(_) => vec![body.clone()],
        _ => return err(400, "PGRST102", "Empty or invalid json"),
    };
    let Some(Value::Object(first)) = rows.first() else { return Response::text(201, "") };
    let keys: Vec<String> = first.keys().cloned().collect();
    for r in &rows {
        let Value::Object(o) = r else { return err(400, "PGRST102", "All object keys must match") };
        if o.len() != keys.len() || !keys.iter().all(|k| o.contains_key(k)) {
            return err(400, "PGRST102", "All object keys must match");
        }
    }
    if let Some(k) = keys.iter().find(|k| !columns.contains(k)) {
        return err(
            400,
            "PGRST204",
            &format!("Could not find the '{k}' column of '{table}' in the schema cache"),
        );
    }
    let prefer = req.header("prefer").unwrap_or("").to_string();
    let cols = keys.iter().map(|k| quote(k)).collect::<Vec<_>>().join(", ");
    let on_conflict = req.query_get("on_conflict").unwrap_or_else(|| "id".into());
    let conflict = if prefer.contains("resolution=merge-duplicates") {
        let sets =
            keys.iter().map(|k| format!("{0} = excluded.{0}", quote(k))).collect::<Vec<_>>().join(", ");
        format!(" on conflict ({}) do update set {sets}", quote(&on_conflict))
    } else if prefer.contains("resolution=ignore-duplicates") {
        format!(" on conflict ({}) do nothing", quote(&on_conflict))
    } else {
        String::new()
    };
    let sql = format!(
        "insert into public.{t} ({cols}) select {cols} from json_populate_recordset(null::public.{t}, $1::text::json){conflict} \
         returning (xmax = 0)",
        t = quote(table)
    );
    let claims = json!({"role": role}).to_string();
    let text = serde_json::to_string(&rows).unwrap();
    let result = (|| -> Result<Vec<bool>, postgres::Error> {
        let mut tx = db.transaction()?;
        tx.batch_execute(&format!("set local role {role}; set local timezone = 'UTC'"))?;
        tx.execute("select set_config('request.jwt.claims', $1, true)", &[&claims])?;
        let inserted = tx.query(&sql, &[&text])?.iter().map(|r| r.get(0)).collect();
        tx.commit()?;
        Ok(inserted)
    })();
    match result {
        Ok(inserted) => Response::text(if inserted.iter().any(|i| *i) { 201 } else { 200 }, ""),
        Err(e) => {
            let Some(d) = e.as_db_error() else { return err(503, "PGRST000", &e.to_string()) };
            let code = d.code().code();
            let status = match code {
                "42501" if role == "anon" => 401,
                "42501" => 403,
                "42P01" => 404,
                "23505" | "23503" => 409,
                c if c.starts_with("22") || c.starts_with("23") || c.starts_with("42") => 400,
                _ => 500,
            };
            Response::json(
                status,
                &json!({"code": code, "details": d.detail(), "hint": d.hint(), "message": d.message()}),
            )
        }
    }
}
