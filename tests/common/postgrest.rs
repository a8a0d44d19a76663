//! A loopback Supabase project for the calls vibe makes, over a real PostgreSQL database:
//! the Data API (PostgREST's wire protocol: bulk upserts `POST /rest/v1/{table}` with
//! `on_conflict` and `Prefer: resolution=merge-duplicates`), and Auth's e-mail one-time-code
//! sign-in (`/auth/v1/otp`, `verify`, `token?grant_type=refresh_token`, `user`, `logout`),
//! whose "e-mailed" codes the test reads with [`Supabase::code_for`]. Each Data API request
//! runs in its own transaction as the key's role (or, with a member's bearer token,
//! `authenticated`) with its JWT claims, so grants, row rules, constraints and SQLSTATEs are
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
    /// The last code "e-mailed" to each address.
    codes: std::collections::HashMap<String, String>,
    /// Auth users by e-mail: their id.
    members: std::collections::HashMap<String, String>,
    /// Live access tokens: (user id, e-mail, expires at).
    access: std::collections::HashMap<String, (String, String, i64)>,
    /// Unspent refresh tokens: (user id, e-mail).
    refresh: std::collections::HashMap<String, (String, String)>,
    /// Lifetime of new access tokens, in seconds (3600 unless a test says otherwise).
    ttl: Option<i64>,
    /// Request number that waits for [`Supabase::release`] before it is handled.
    stall: Option<usize>,
    issued: u64,
}

/// The server, its database and its record of requests.
pub struct Supabase {
    pub url: String,
    state: Arc<Mutex<State>>,
    released: Arc<(Mutex<bool>, std::sync::Condvar)>,
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
        let released = Arc::new((Mutex::new(false), std::sync::Condvar::new()));
        let conninfo = pg.conninfo(&db);
        let (st, rel) = (state.clone(), released.clone());
        let url = serve(Arc::new(move |req: Request| handle(&conninfo, &st, &rel, req)));
        Supabase { url, state, released, db, pg }
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

    /// Request number `n` (0-based) waits until [`Supabase::release`], then is handled.
    pub fn stall_request(&self, n: usize) {
        self.state.lock().unwrap().stall = Some(n);
    }

    /// Lets a stalled request go on.
    pub fn release(&self) {
        let (done, cv) = &*self.released;
        *done.lock().unwrap() = true;
        cv.notify_all();
    }

    /// Whether the stalled request has arrived.
    pub fn stalled(&self) -> bool {
        let st = self.state.lock().unwrap();
        st.stall.is_some_and(|n| st.requests.len() > n)
    }

    /// The last sign-in code sent to `email`.
    pub fn code_for(&self, email: &str) -> Option<String> {
        self.state.lock().unwrap().codes.get(email).cloned()
    }

    /// New access tokens live `secs` seconds.
    pub fn set_session_ttl(&self, secs: i64) {
        self.state.lock().unwrap().ttl = Some(secs);
    }

    /// The Auth user id of `email`, once it signed in.
    pub fn member_id(&self, email: &str) -> Option<String> {
        self.state.lock().unwrap().members.get(email).cloned()
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

fn handle(
    conninfo: &str,
    state: &Mutex<State>,
    released: &(Mutex<bool>, std::sync::Condvar),
    req: Request,
) -> Response {
    let stall = {
        let mut st = state.lock().unwrap();
        let n = st.requests.len();
        st.requests.push(req.clone());
        if st.fail.contains(&n) {
            return Response::text(503, "upstream connect error");
        }
        st.stall == Some(n)
    };
    if stall {
        let (done, cv) = released;
        let mut d = done.lock().unwrap();
        while !*d {
            d = cv.wait(d).unwrap();
        }
    }
    if let Some(op) = req.path().strip_prefix("/auth/v1/") {
        return auth(state, op.to_string(), &req);
    }
    let mut sub = None;
    let role = match req.header("apikey") {
        Some(PUBLISHABLE_KEY)
            if req.header("authorization").is_some_and(|a| a != format!("Bearer {PUBLISHABLE_KEY}")) =>
        {
            let token = req.header("authorization").unwrap_or("").trim_start_matches("Bearer ").to_string();
            let st = state.lock().unwrap();
            match st.access.get(&token) {
                Some((id, _, exp)) if *exp > now() => {
                    sub = Some(id.clone());
                    "authenticated"
                }
                Some(_) => {
                    return Response::json(401, &json!({"code": "PGRST303", "message": "JWT expired"}))
                }
                None => {
                    return Response::json(
                        401,
                        &json!({"code": "PGRST301", "message": "No suitable key or wrong key type"}),
                    )
                }
            }
        }
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
        // The root describes the API (PostgREST answers with its OpenAPI document).
        "GET" if table.is_empty() => Response::json(200, &json!({"swagger": "2.0", "paths": {}})),
        "POST" if table.starts_with("rpc/") => rpc(conninfo, role, sub.as_deref(), &table[4..], &req),
        "POST" => upsert(conninfo, role, sub.as_deref(), &table, &req),
        "GET" => select(conninfo, role, sub.as_deref(), &table, &req),
        _ => err(405, "PGRST117", "Unsupported HTTP method"),
    }
}

fn quote(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

fn upsert(conninfo: &str, role: &str, sub: Option<&str>, table: &str, req: &Request) -> Response {
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
    let claims = match sub {
        Some(sub) => json!({"role": role, "sub": sub}).to_string(),
        None => json!({"role": role}).to_string(),
    };
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
        Err(e) => db_error(role, &e),
    }
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

fn auth_err(status: u16, code: &str, msg: &str) -> Response {
    Response::json(status, &json!({"code": status, "error_code": code, "msg": msg}))
}

/// A JWT-shaped access token (header.claims.signature) with role `authenticated`.
fn access_token(sub: &str, exp: i64, n: u64) -> String {
    use base64::Engine as _;
    let b = |v: Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    format!(
        "{}.{}.sig{n:08}",
        b(json!({"alg": "HS256", "typ": "JWT"})),
        b(json!({"sub": sub, "role": "authenticated", "exp": exp, "aud": "authenticated"}))
    )
}

/// Supabase Auth's one-time-code sign-in, sessions and their refresh.
fn auth(state: &Mutex<State>, op: String, req: &Request) -> Response {
    if req.header("apikey") != Some(PUBLISHABLE_KEY) && req.header("apikey") != Some(SECRET_KEY) {
        return Response::json(401, &json!({"message": "Invalid API key"}));
    }
    let mut st = state.lock().unwrap();
    let body = if req.body.is_empty() { Value::Null } else { req.json() };
    let field = |k: &str| body.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let session = |st: &mut State, id: String, email: String| {
        st.issued += 1;
        let n = st.issued;
        let ttl = st.ttl.unwrap_or(3600);
        let exp = now() + ttl;
        let access = access_token(&id, exp, n);
        let refresh = format!("rt{n:08}");
        st.access.insert(access.clone(), (id.clone(), email.clone(), exp));
        st.refresh.insert(refresh.clone(), (id.clone(), email.clone()));
        Response::json(
            200,
            &json!({
                "access_token": access, "token_type": "bearer", "expires_in": ttl, "expires_at": exp,
                "refresh_token": refresh,
                "user": {"id": id, "aud": "authenticated", "role": "authenticated", "email": email}
            }),
        )
    };
    match (req.method.as_str(), op.split('?').next().unwrap_or("")) {
        ("POST", "otp") => {
            let email = field("email");
            if !email.contains('@') {
                return auth_err(
                    400,
                    "validation_failed",
                    "Unable to validate email address: invalid format",
                );
            }
            let code = format!("{:06}", (st.issued * 7919 + 104_729 + email.len() as u64 * 31) % 1_000_000);
            st.issued += 1;
            st.codes.insert(email, code);
            Response::json(200, &json!({}))
        }
        ("POST", "verify") => {
            let email = field("email");
            if field("type") != "email" || st.codes.get(&email) != Some(&field("token")) {
                return auth_err(403, "otp_expired", "Token has expired or is invalid");
            }
            st.codes.remove(&email);
            let n = st.members.len() + 1;
            let id = st
                .members
                .entry(email.clone())
                .or_insert_with(|| format!("{n:08x}-0000-4000-8000-{n:012x}"))
                .clone();
            session(&mut st, id, email)
        }
        ("POST", "token") if req.query_get("grant_type").as_deref() == Some("refresh_token") => {
            match st.refresh.remove(&field("refresh_token")) {
                Some((id, email)) => session(&mut st, id, email),
                None => {
                    auth_err(400, "refresh_token_not_found", "Invalid Refresh Token: Refresh Token Not Found")
                }
            }
        }
        ("GET", "user") | ("POST", "logout") => {
            let token = req.header("authorization").unwrap_or("").trim_start_matches("Bearer ").to_string();
            let Some((id, email, exp)) = st.access.get(&token).cloned() else {
                return auth_err(403, "bad_jwt", "invalid JWT: unable to parse or verify signature");
            };
            if exp <= now() {
                return auth_err(403, "bad_jwt", "invalid JWT: token is expired");
            }
            if req.method == "POST" {
                st.access.retain(|_, (i, _, _)| *i != id);
                st.refresh.retain(|_, (i, _)| *i != id);
                return Response::text(204, "");
            }
            Response::json(
                200,
                &json!({"id": id, "email": email, "aud": "authenticated", "role": "authenticated"}),
            )
        }
        _ => auth_err(404, "not_found", "no route"),
    }
}

/// Runs `sql` with text parameters in one transaction as `role` with its JWT claims; the first
/// column of the first row (JSON text), or PostgREST's error answer.
fn run_as(conninfo: &str, role: &str, sub: Option<&str>, sql: &str, params: &[String]) -> Response {
    let mut db = postgres::Client::connect(conninfo, postgres::NoTls).unwrap();
    let claims = match sub {
        Some(sub) => json!({"role": role, "sub": sub}).to_string(),
        None => json!({"role": role}).to_string(),
    };
    let args: Vec<&(dyn postgres::types::ToSql + Sync)> =
        params.iter().map(|p| p as &(dyn postgres::types::ToSql + Sync)).collect();
    let result = (|| -> Result<String, postgres::Error> {
        let mut tx = db.transaction()?;
        tx.batch_execute(&format!("set local role {role}; set local timezone = 'UTC'"))?;
        tx.execute("select set_config('request.jwt.claims', $1, true)", &[&claims])?;
        let text: String = tx.query_one(sql, &args)?.get(0);
        tx.commit()?;
        Ok(text)
    })();
    match result {
        Ok(text) => Response {
            status: 200,
            headers: vec![("Content-Type".into(), "application/json; charset=utf-8".into())],
            body: text.into_bytes(),
        },
        Err(e) => db_error(role, &e),
    }
}

/// `GET /rest/v1/{table}?select=…&order=…&limit=…&{column}={op}.{value}` for the operators
/// vibe uses: eq, neq, gt, gte, lt, lte, ilike (`*` as the wildcard) and in.
fn select(conninfo: &str, role: &str, sub: Option<&str>, table: &str, req: &Request) -> Response {
    let mut db = postgres::Client::connect(conninfo, postgres::NoTls).unwrap();
    let types: std::collections::HashMap<String, String> = db
        .query(
            "select column_name::text, udt_name::text from information_schema.columns \
             where table_schema = 'public' and table_name = $1",
            &[&table],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    drop(db);
    if types.is_empty() {
        return err(
            404,
            "PGRST205",
            &format!("Could not find the table 'public.{table}' in the schema cache"),
        );
    }
    let unknown = |c: &str| err(400, "42703", &format!("column {table}.{c} does not exist"));
    let mut cols = "*".to_string();
    let mut order = String::new();
    let mut limit = String::new();
    let mut wheres = Vec::new();
    let mut params = Vec::new();
    for (k, v) in req.query() {
        match k.as_str() {
            "select" if v != "*" => {
                let list: Vec<&str> = v.split(',').collect();
                if let Some(c) = list.iter().find(|c| !types.contains_key(**c)) {
                    return unknown(c);
                }
                cols = list.iter().map(|c| quote(c)).collect::<Vec<_>>().join(", ");
            }
            "select" => {}
            "order" => {
                let mut parts = Vec::new();
                for term in v.split(',') {
                    let mut it = term.split('.');
                    let c = it.next().unwrap_or("");
                    if !types.contains_key(c) {
                        return unknown(c);
                    }
                    let dir = if it.next() == Some("desc") { "desc" } else { "asc" };
                    parts.push(format!("{} {dir}", quote(c)));
                }
                order = format!(" order by {}", parts.join(", "));
            }
            "limit" => match v.parse::<u32>() {
                Ok(n) => limit = format!(" limit {n}"),
                Err(_) => return err(400, "PGRST102", "limit must be a number"),
            },
            col => {
                let Some(ty) = types.get(col) else { return unknown(col) };
                let Some((op, value)) = v.split_once('.') else {
                    return err(400, "PGRST100", &format!("failed to parse filter ({v})"));
                };
                let n = params.len() + 1;
                let c = quote(col);
                let clause = match op {
                    "eq" => format!("{c} = ${n}::text::{ty}"),
                    "neq" => format!("{c} <> ${n}::text::{ty}"),
                    "gt" => format!("{c} > ${n}::text::{ty}"),
                    "gte" => format!("{c} >= ${n}::text::{ty}"),
                    "lt" => format!("{c} < ${n}::text::{ty}"),
                    "lte" => format!("{c} <= ${n}::text::{ty}"),
                    "ilike" => format!("{c}::text ilike ${n}::text"),
                    "in" => format!("{c} = any(${n}::text::{ty}[])"),
                    _ => return err(400, "PGRST100", &format!("unknown operator {op}")),
                };
                let value = match op {
                    "ilike" => value.replace('*', "%"),
                    "in" => format!("{{{}}}", value.trim_start_matches('(').trim_end_matches(')')),
                    _ => value.to_string(),
                };
                wheres.push(clause);
                params.push(value);
            }
        }
    }
    let filter = if wheres.is_empty() { String::new() } else { format!(" where {}", wheres.join(" and ")) };
    let sql = format!(
        "select coalesce(json_agg(t), '[]')::text from (select {cols} from public.{}{filter}{order}{limit}) t",
        quote(table)
    );
    run_as(conninfo, role, sub, &sql, &params)
}

/// `POST /rest/v1/rpc/{function}` with named arguments: the function's result as JSON.
fn rpc(conninfo: &str, role: &str, sub: Option<&str>, function: &str, req: &Request) -> Response {
    let body = if req.body.is_empty() { json!({}) } else { req.json() };
    let Value::Object(args) = body else { return err(400, "PGRST102", "Empty or invalid json") };
    let literal = |v: &Value| match v {
        Value::Null => "null".to_string(),
        Value::String(s) => format!("'{}'", s.replace('\'', "''")),
        other => format!("'{}'", other.to_string().replace('\'', "''")),
    };
    let named: Vec<String> = args.iter().map(|(k, v)| format!("{} => {}", quote(k), literal(v))).collect();
    let sql = format!("select to_json(public.{}({}))::text", quote(function), named.join(", "));
    match run_as(conninfo, role, sub, &sql, &[]) {
        r if r.status == 404 => err(
            404,
            "PGRST202",
            &format!("Could not find the function public.{function} in the schema cache"),
        ),
        r => r,
    }
}

/// PostgREST's answer to a database error: its status for the SQLSTATE, and the error body.
fn db_error(role: &str, e: &postgres::Error) -> Response {
    let Some(d) = e.as_db_error() else { return err(503, "PGRST000", &e.to_string()) };
    let code = d.code().code();
    let status = match code {
        "42501" if role == "anon" => 401,
        "42501" => 403,
        "42P01" | "42883" => 404,
        "23505" | "23503" => 409,
        c if c.starts_with("22") || c.starts_with("23") || c.starts_with("42") => 400,
        _ => 500,
    };
    Response::json(
        status,
        &json!({"code": code, "details": d.detail(), "hint": d.hint(), "message": d.message()}),
    )
}
