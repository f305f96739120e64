//! Authentication and authorization, off by default and on with a users file, a rules file or an
//! anonymous role. One middleware (`middleware`) runs inside the request timer for every route:
//! it authenticates the caller (HTTP Basic against the users file or Karapace's auth file,
//! through a bounded cache of verified credentials so a password hash is not recomputed per
//! request, Bearer tokens, client certificates), works out which
//! operation the route performs on which resource, asks the rules (`rules.rs`), answers 401
//! (with `WWW-Authenticate`) or 403 with Confluent-shaped bodies that say nothing about what
//! exists, logs every write with its principal, and hands the handlers an `Access` so listings
//! show only what the caller may read.

mod cache;
mod jwt;
mod karapace;
mod rules;
mod users;

use std::path::{Path as FsPath, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, SystemTime};

use axum::extract::{FromRequestParts, MatchedPath, Path, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use sha2::Digest as _;
use tokio::sync::Semaphore;

use self::cache::Cache;
pub use self::jwt::JwtSettings;
use self::karapace::{Grants, Karapace};
pub(crate) use self::rules::{Operation, Resource, Rules};
use self::users::Users;
pub use self::users::hash_password;
use crate::error::ApiError;
use crate::routes::App;

/// The authentication and authorization settings (all off by default).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthSettings {
    /// TOML file of users with argon2id password hashes, roles and groups (HTTP Basic).
    pub users_file: Option<PathBuf>,
    /// TOML or JSON file of allow/deny rules beyond the built-in roles.
    pub rules_file: Option<PathBuf>,
    /// Karapace's auth file (JSON users with scrypt/PBKDF2 hashes and regex permissions).
    pub karapace_file: Option<PathBuf>,
    /// Client-certificate principals of the registry's own instances: a request from one of
    /// them may name, in `X-Schemata-Principal`, the mTLS caller it forwards. They are trusted
    /// for nothing else (a request from one naming nobody is anonymous).
    pub cluster_principals: Vec<String>,
    /// Role given to requests without credentials; `None` answers them 401.
    pub anonymous_role: Option<String>,
    /// Leave `/metrics` open (health and readiness always are).
    pub open_metrics: bool,
    /// How long a verified credential is trusted without checking its hash again.
    pub cache_ttl_ms: u64,
    /// Verified credentials kept at most.
    pub cache_len: usize,
    /// How often the users, rules and JWKS files are checked for changes, in milliseconds.
    pub reload_interval_ms: u64,
    /// Bearer tokens (JWT against a JWKS).
    pub jwt: JwtSettings,
}

impl Default for AuthSettings {
    fn default() -> AuthSettings {
        AuthSettings {
            users_file: None,
            rules_file: None,
            karapace_file: None,
            cluster_principals: Vec::new(),
            anonymous_role: None,
            open_metrics: false,
            cache_ttl_ms: 300_000,
            cache_len: 10_000,
            reload_interval_ms: 1000,
            jwt: JwtSettings::default(),
        }
    }
}

impl AuthSettings {
    /// Whether requests are authenticated at all.
    pub fn enabled(&self) -> bool {
        self.users_file.is_some()
            || self.rules_file.is_some()
            || self.karapace_file.is_some()
            || self.anonymous_role.is_some()
            || self.jwt.enabled()
    }
}

/// Who is calling, once authenticated: the principal and what the rules may refer to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Caller {
    pub(crate) principal: String,
    pub(crate) roles: Vec<String>,
    pub(crate) groups: Vec<String>,
    /// What Karapace's auth file permits this principal (usually nothing).
    pub(crate) grants: Grants,
}

/// A file read at start and again when it changes; a bad new version keeps the old one.
/// A change is read once the file has stayed the same for one check, so a file caught half
/// written (an empty rules or users file parses, and would lock everyone out) is never loaded.
#[derive(Debug)]
struct Watched<T> {
    path: Option<PathBuf>,
    current: RwLock<Arc<T>>,
    /// The stamp of the version last loaded (or tried), and the one the previous check saw.
    stamps: Mutex<(Option<Stamp>, Option<Stamp>)>,
    load: fn(&FsPath) -> Result<T, String>,
}

/// A file's modification time and length.
type Stamp = (SystemTime, u64);

impl<T: Default> Watched<T> {
    fn new(path: Option<PathBuf>, load: fn(&FsPath) -> Result<T, String>) -> Result<Self, String> {
        let tried = path.as_deref().and_then(stamp);
        let current = match &path {
            Some(path) => load(path)?,
            None => T::default(),
        };
        Ok(Watched {
            path,
            current: RwLock::new(Arc::new(current)),
            stamps: Mutex::new((tried, tried)),
            load,
        })
    }
}

impl<T> Watched<T> {
    fn current(&self) -> Arc<T> {
        Arc::clone(&self.current.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// Reloads when the file changed and has stayed so since the previous check; `Some(true)`
    /// when a new version is in force.
    fn reload(&self) -> Option<bool> {
        let path = self.path.as_deref()?;
        let now = stamp(path);
        {
            let mut stamps = self.stamps.lock().unwrap_or_else(PoisonError::into_inner);
            let (tried, seen) = &mut *stamps;
            if *tried == now {
                *seen = now;
                return None;
            }
            if *seen != now {
                // Still changing (or just changed): look again at the next check.
                *seen = now;
                return None;
            }
            *tried = now;
        }
        match (self.load)(path) {
            Ok(value) => {
                *self.current.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(value);
                tracing::info!(file = %path.display(), "reloaded");
                Some(true)
            }
            Err(error) => {
                tracing::warn!(%error, "reload failed; the previous version stays in force");
                Some(false)
            }
        }
    }
}

fn load_jwks(path: &FsPath) -> Result<Vec<jwt::Key>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read JWKS file {}: {e}", path.display()))?;
    jwt::parse_jwks(&text).map_err(|e| format!("invalid JWKS file {}: {e}", path.display()))
}

fn stamp(path: &FsPath) -> Option<Stamp> {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.modified().ok()?, meta.len()))
}

/// The running authentication and authorization.
#[derive(Debug)]
pub(crate) struct Auth {
    settings: AuthSettings,
    users: Watched<Users>,
    rules: Watched<Rules>,
    karapace: Watched<Karapace>,
    cache: Cache,
    /// Password hash verifications running at once, so a flood of wrong passwords costs at
    /// most the cores there are.
    verifications: Arc<Semaphore>,
    /// JWT verification keys; the file is watched like the others.
    keys: jwt::Keys,
    jwks_file: Mutex<Option<(SystemTime, u64)>>,
    http: reqwest::Client,
}

impl Auth {
    /// Reads the files; an error stops the server from starting.
    pub(crate) fn load(settings: AuthSettings) -> Result<Auth, String> {
        let users = Watched::new(settings.users_file.clone(), Users::load)?;
        let rules = Watched::new(settings.rules_file.clone(), Rules::load)?;
        let karapace = Watched::new(settings.karapace_file.clone(), Karapace::load)?;
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let keys = jwt::Keys::default();
        let jwks_file = settings.jwt.jwks_file.as_deref().and_then(stamp);
        if let Some(path) = &settings.jwt.jwks_file {
            keys.set(load_jwks(path)?);
        }
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| format!("cannot build the JWKS client: {e}"))?;
        Ok(Auth {
            keys,
            jwks_file: Mutex::new(jwks_file),
            http,
            cache: Cache::new(settings.cache_len, Duration::from_millis(settings.cache_ttl_ms)),
            settings,
            users,
            rules,
            karapace,
            verifications: Arc::new(Semaphore::new(cores)),
        })
    }

    /// Fetches the JWKS URL, if any: at start (an error stops the start) and on refresh.
    pub(crate) async fn fetch_jwks(&self) -> Result<(), String> {
        if let Some(url) = &self.settings.jwt.jwks_url {
            self.keys.set(jwt::fetch(&self.http, url).await?);
        }
        Ok(())
    }

    /// Re-reads the JWKS file when it changed; `Some(ok)` when it tried.
    fn reload_jwks_file(&self) -> Option<bool> {
        let path = self.settings.jwt.jwks_file.as_deref()?;
        let now = stamp(path);
        {
            let mut tried = self.jwks_file.lock().unwrap_or_else(PoisonError::into_inner);
            if *tried == now {
                return None;
            }
            *tried = now;
        }
        match load_jwks(path) {
            Ok(keys) => {
                self.keys.set(keys);
                tracing::info!(file = %path.display(), "JWKS reloaded");
                Some(true)
            }
            Err(error) => {
                tracing::warn!(%error, "JWKS reload failed; the previous keys stay in force");
                Some(false)
            }
        }
    }

    /// Watches the users, rules and JWKS files (and refreshes a JWKS URL) until `stop` changes.
    /// Each reload's outcome is counted in `shared`'s metrics.
    pub(crate) fn spawn_reloader(
        self: &Arc<Auth>,
        shared: Arc<crate::shared::Shared>,
        mut stop: tokio::sync::watch::Receiver<bool>,
    ) {
        let auth = Arc::clone(self);
        let every = Duration::from_millis(auth.settings.reload_interval_ms.max(10));
        let refresh = Duration::from_millis(auth.settings.jwt.jwks_refresh_ms.max(1000));
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut jwks = tokio::time::interval_at(tokio::time::Instant::now() + refresh, refresh);
            jwks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = jwks.tick(), if auth.settings.jwt.jwks_url.is_some() => {
                        let ok = match auth.fetch_jwks().await {
                            Ok(()) => true,
                            Err(error) => {
                                tracing::warn!(%error, "JWKS refresh failed; the previous keys stay in force");
                                false
                            }
                        };
                        shared.metrics.observe_auth_reload(ok);
                    }
                    _ = tick.tick() => {
                        let (auth, shared) = (Arc::clone(&auth), Arc::clone(&shared));
                        let _ = tokio::task::spawn_blocking(move || {
                            let users = auth.users.reload();
                            let rules = auth.rules.reload();
                            let karapace = auth.karapace.reload();
                            let jwks = auth.reload_jwks_file();
                            for ok in [users, rules, karapace, jwks].into_iter().flatten() {
                                shared.metrics.observe_auth_reload(ok);
                            }
                            // Cached callers carry roles and permissions from these files:
                            // start afresh.
                            if [users, rules, karapace].contains(&Some(true)) {
                                auth.cache.clear();
                            }
                        })
                        .await;
                    }
                    _ = stop.changed() => return,
                }
            }
        });
    }

    /// The `WWW-Authenticate` challenges of the schemes that are on.
    fn challenges(&self) -> Vec<HeaderValue> {
        let mut challenges = Vec::new();
        let passwords = self.settings.users_file.is_some() || self.settings.karapace_file.is_some();
        if passwords || !self.settings.jwt.enabled() {
            challenges
                .push(HeaderValue::from_static("Basic realm=\"schemata\", charset=\"UTF-8\""));
        }
        if self.settings.jwt.enabled() {
            challenges.push(HeaderValue::from_static("Bearer realm=\"schemata\""));
        }
        challenges
    }

    /// The caller of a request: `Ok(None)` when it carries no credentials, `Err` when they
    /// are wrong or unreadable.
    async fn authenticate(&self, headers: &HeaderMap) -> Result<Option<Arc<Caller>>, ()> {
        let Some(value) = headers.get(header::AUTHORIZATION) else { return Ok(None) };
        let value = value.to_str().map_err(|_| ())?;
        let (scheme, credentials) = value.split_once(' ').ok_or(())?;
        let bearer = scheme.eq_ignore_ascii_case("bearer");
        if !bearer && !scheme.eq_ignore_ascii_case("basic") {
            return Err(());
        }
        // The scheme is part of the key: a token and a password never share an entry.
        let mut digest = sha2::Sha256::new();
        digest.update(if bearer { b"bearer " } else { b"basic  " });
        digest.update(credentials.trim().as_bytes());
        let key: [u8; 32] = digest.finalize().into();
        if let Some(caller) = self.cache.get(&key) {
            return Ok(Some(caller));
        }
        if bearer {
            return self.authenticate_token(credentials.trim(), key);
        }
        let decoded =
            base64::engine::general_purpose::STANDARD.decode(credentials.trim()).map_err(|_| ())?;
        let decoded = String::from_utf8(decoded).map_err(|_| ())?;
        let (name, password) = decoded.split_once(':').ok_or(())?;
        // The users file's user, else the Karapace file's (a name in both is the users file's).
        let user = match self.users.current().get(name) {
            Some(user) => Known::User(user.clone()),
            None => match self.karapace.current().user(name) {
                Some(user) => Known::Karapace(user.clone()),
                None => Known::Nobody,
            },
        };
        let password = password.to_owned();
        let _permit = self.verifications.acquire().await.map_err(|_| ())?;
        let verified = tokio::task::spawn_blocking(move || match user {
            Known::User(user) => user.verify(&password).then_some((user.roles, user.groups)),
            Known::Karapace(user) => user.verify(&password).then_some((Vec::new(), Vec::new())),
            Known::Nobody => {
                users::verify_nobody(&password);
                None
            }
        })
        .await
        .map_err(|_| ())?;
        let (roles, groups) = verified.ok_or(())?;
        let caller = Arc::new(self.caller(name, roles, groups));
        self.cache.insert(key, Arc::clone(&caller));
        Ok(Some(caller))
    }

    fn authenticate_token(&self, token: &str, key: [u8; 32]) -> Result<Option<Arc<Caller>>, ()> {
        if !self.settings.jwt.enabled() {
            return Err(());
        }
        let identity = jwt::validate(&self.settings.jwt, &self.keys, token).map_err(|error| {
            tracing::debug!(%error, "bearer token refused");
        })?;
        let caller = Arc::new(self.caller(&identity.principal, identity.roles, identity.groups));
        // Trusted no longer than the token itself (its expiry plus the leeway).
        let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
        let left = (identity.expires_at + self.settings.jwt.leeway_s).saturating_sub(now.as_secs());
        let until = std::time::Instant::now() + Duration::from_secs(left);
        self.cache.insert_until(key, Arc::clone(&caller), until);
        Ok(Some(caller))
    }

    /// A caller with the roles and groups its credentials carry plus those the rules file
    /// gives its principal, and the permissions the Karapace file gives that name.
    fn caller(&self, principal: &str, mut roles: Vec<String>, mut groups: Vec<String>) -> Caller {
        if let Some(member) = self.rules.current().membership(principal) {
            roles.extend(member.roles.iter().cloned());
            groups.extend(member.groups.iter().cloned());
        }
        let grants = self.karapace.current().grants(principal);
        Caller { principal: principal.to_owned(), roles, groups, grants }
    }
}

/// Whose password a Basic credential claims to be.
#[derive(Debug)]
enum Known {
    User(users::User),
    Karapace(karapace::User),
    /// No such user: the check still costs a hash, so timing does not tell names apart.
    Nobody,
}

/// What a caller may see, for handlers that list: everything when authorization is off.
#[derive(Debug, Clone, Default)]
pub(crate) struct Access {
    /// `None`: authorization is off, or the caller reads every subject.
    restricted: Option<Arc<(Arc<Caller>, Arc<Rules>)>>,
    /// The caller and the rules whenever authorization is on, so the UI offers only the
    /// actions the caller may take (`may`).
    caller: Option<Arc<(Arc<Caller>, Arc<Rules>)>>,
}

impl Access {
    /// Whether the caller may perform `operation` on `subject` (everything when authorization
    /// is off). The middleware still decides each request; this only keeps pages from offering
    /// what would be refused.
    pub(crate) fn may(&self, operation: Operation, subject: &str) -> bool {
        match &self.caller {
            None => true,
            Some(inner) => inner.1.allows(&inner.0, operation, Resource::Subject(subject)),
        }
    }

    /// Whether some subjects may be hidden from the caller.
    pub(crate) fn is_restricted(&self) -> bool {
        self.restricted.is_some()
    }

    /// Whether the caller may read `subject` (listings keep only those).
    pub(crate) fn can_read(&self, subject: &str) -> bool {
        match &self.restricted {
            None => true,
            Some(inner) => inner.1.allows(&inner.0, Operation::Read, Resource::Subject(subject)),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Access {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Access, Self::Rejection> {
        Ok(parts.extensions.get::<Access>().cloned().unwrap_or_default())
    }
}

/// What a route needs from its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Need<'a> {
    /// Health and readiness (and `/metrics` when configured): no credentials.
    Open,
    /// Any authenticated caller; what it lists is filtered by `Access`.
    Authenticated,
    Operation(Operation, Resource<'a>),
    /// Reading a schema by id: some subject holding it must be readable.
    SchemaId(&'a str),
    /// Reading a schema by GUID: some subject holding one of its ids must be readable.
    SchemaGuid(&'a str),
    /// A compatibility check on a subject: `write` in our rules, or a Karapace `Read` (Karapace
    /// lets readers check compatibility, and CI jobs migrated from it do).
    Check(&'a str),
}

/// The operation each route performs. A route missing here needs `admin` on the global
/// resource, so an endpoint added later is closed until it is mapped.
fn need<'a>(
    method: &Method,
    route: Option<&str>,
    param: Option<&'a str>,
    open_metrics: bool,
) -> Need<'a> {
    use Operation::*;
    let subject = || Resource::Subject(param.unwrap_or(""));
    let read = *method == Method::GET || *method == Method::HEAD;
    let Some(route) = route else { return Need::Authenticated };
    match route {
        "/health/live" | "/health/ready" => Need::Open,
        "/metrics" if open_metrics => Need::Open,
        "/metrics" => Need::Operation(Read, Resource::Global),
        "/"
        | "/contexts"
        | "/subjects"
        | "/schemas"
        | "/schemas/types"
        | "/schemas/ids/{id}/subjects"
        | "/schemas/ids/{id}/versions"
        | "/v1/metadata/id"
        | "/v1/metadata/version"
        | "/ui"
        | "/ui/"
        | "/ui/assets/ui.css"
        | "/ui/assets/ui.js"
        | "/ui/test"
        | "/ui/ids"
        | "/ui/search"
        // Both ids are query parameters: the page checks each as `GET /schemas/ids/{id}` does
        // and answers an unreadable one as an absent one.
        | "/ui/diff" => Need::Authenticated,
        "/subjects/{subject}" if read || *method == Method::POST => {
            Need::Operation(Read, subject())
        }
        "/subjects/{subject}" => Need::Operation(Delete, subject()),
        "/subjects/{subject}/versions" if read => Need::Operation(Read, subject()),
        "/subjects/{subject}/versions" => Need::Operation(Write, subject()),
        "/subjects/{subject}/versions/{version}" if read => Need::Operation(Read, subject()),
        "/subjects/{subject}/versions/{version}" => Need::Operation(Delete, subject()),
        "/subjects/{subject}/versions/{version}/schema"
        | "/subjects/{subject}/versions/{version}/referencedby"
        | "/subjects/{subject}/metadata"
        | "/ui/subjects/{subject}"
        | "/ui/subjects/{subject}/diff" => Need::Operation(Read, subject()),
        "/compatibility/subjects/{subject}/versions"
        | "/compatibility/subjects/{subject}/versions/{version}" => {
            Need::Check(param.unwrap_or(""))
        }
        "/config" | "/mode" if read => Need::Operation(Read, Resource::Global),
        "/config" | "/mode" => Need::Operation(Admin, Resource::Global),
        "/config/{subject}" | "/mode/{subject}" if read => Need::Operation(Read, subject()),
        "/config/{subject}" | "/mode/{subject}" => Need::Operation(Config, subject()),
        "/schemas/ids/{id}" | "/schemas/ids/{id}/schema" | "/ui/ids/{id}" => {
            Need::SchemaId(param.unwrap_or(""))
        }
        "/schemas/guids/{guid}" | "/schemas/guids/{guid}/ids" => {
            Need::SchemaGuid(param.unwrap_or(""))
        }
        "/ui/subjects/{subject}/test" if read => Need::Operation(Read, subject()),
        "/ui/subjects/{subject}/test" => Need::Check(param.unwrap_or("")),
        "/ui/subjects/{subject}/settings" => Need::Operation(Config, subject()),
        "/ui/subjects/{subject}/delete" if read => Need::Operation(Read, subject()),
        "/ui/subjects/{subject}/delete" => Need::Operation(Delete, subject()),
        _ => Need::Operation(Admin, Resource::Global),
    }
}

/// The middleware: authenticate, authorize, log writes, hand handlers an `Access`.
pub(crate) async fn middleware(State(app): State<App>, request: Request, next: Next) -> Response {
    // A follower asking whether it may forward this write: the answer is this middleware's
    // verdict, and the handler never runs (whatever the route, whether auth is on or not).
    let probe = request.extensions().get::<crate::forward::AuthorizeOnly>().is_some();
    let Some(auth) = app.auth.clone() else {
        return if probe { authorized() } else { next.run(request).await };
    };
    let (mut parts, body) = request.into_parts();
    let route = parts.extensions.get::<MatchedPath>().map(|m| m.as_str().to_owned());
    // The subject or id of the path, decoded as the handlers decode it.
    let params = Path::<Vec<(String, String)>>::from_request_parts(&mut parts, &()).await;
    let param = params.as_ref().ok().and_then(|Path(params)| {
        params
            .iter()
            .find(|(name, _)| matches!(name.as_str(), "subject" | "id" | "guid"))
            .map(|(_, v)| v.clone())
    });
    let need = need(&parts.method, route.as_deref(), param.as_deref(), auth.settings.open_metrics);
    if need == Need::Open {
        if probe {
            return authorized();
        }
        return next.run(Request::from_parts(parts, body)).await;
    }
    let caller = match auth.authenticate(&parts.headers).await {
        Ok(Some(caller)) => caller,
        Ok(None) => {
            let peer = parts.extensions.get::<crate::serve::ConnectionInfo>();
            let peer = peer.and_then(|info| info.peer.clone());
            // One of the cluster's instances vouches for the mTLS caller it forwards (and for
            // nobody else: without a name the request is anonymous).
            let peer = match peer {
                Some(instance)
                    if auth.settings.cluster_principals.iter().any(|p| **p == *instance) =>
                {
                    parts
                        .headers
                        .get(crate::forward::PRINCIPAL)
                        .and_then(|value| std::str::from_utf8(value.as_bytes()).ok())
                        .map(Arc::<str>::from)
                }
                peer => peer,
            };
            match (peer, &auth.settings.anonymous_role) {
                // A verified client certificate: its name, with the rules file's roles.
                (Some(peer), _) => Arc::new(auth.caller(&peer, Vec::new(), Vec::new())),
                (None, Some(role)) => {
                    let caller = auth.caller("anonymous", vec![role.clone()], Vec::new());
                    // Unverified: a Karapace user that happens to be named so lends it nothing.
                    Arc::new(Caller { grants: Grants::default(), ..caller })
                }
                (None, None) => return unauthenticated(&app, &auth),
            }
        }
        Err(()) => return unauthenticated(&app, &auth),
    };
    let rules = auth.rules.current();
    let allowed = match need {
        Need::Open | Need::Authenticated => true,
        Need::Operation(operation, resource) => rules.allows(&caller, operation, resource),
        Need::Check(subject) => rules.allows_check(&caller, subject),
        Need::SchemaId(id) => {
            // The context `?subject=` selects, as the handler finds the id.
            let subject =
                crate::routes::Params::parse(parts.uri.query()).get("subject").map(str::to_owned);
            rules.reads_everything(&caller)
                || readable_id(&app, &rules, &caller, id, subject.as_deref())
        }
        Need::SchemaGuid(guid) => {
            rules.reads_everything(&caller) || readable_guid(&app, &rules, &caller, guid)
        }
    };
    if !allowed {
        let described = describe(need);
        let (operation, resource) = audit_fields(need);
        app.shared.metrics.observe_denial(true);
        tracing::info!(
            target: "schemata_registry::audit",
            principal = %caller.principal,
            method = %parts.method,
            path = %parts.uri.path(),
            query = parts.uri.query().unwrap_or(""),
            operation,
            %resource,
            denied = %described,
            "denied"
        );
        let message = format!("User '{}' is not allowed to {described}", caller.principal);
        let refused = ApiError::Forbidden(message);
        if parts.uri.path().starts_with("/ui") {
            return crate::ui::error_page(&refused);
        }
        return refused.into_response();
    }
    let reads_everything = rules.reads_everything(&caller);
    let who = Arc::new((Arc::clone(&caller), rules));
    let access =
        Access { restricted: (!reads_everything).then(|| Arc::clone(&who)), caller: Some(who) };
    if probe {
        return authorized();
    }
    parts.extensions.insert(access);
    let method = parts.method.clone();
    let uri =
        matches!(need, Need::Operation(op, _) if op != Operation::Read).then(|| parts.uri.clone());
    let response = next.run(Request::from_parts(parts, body)).await;
    // Every write is on record with who made it, what it did to what, and how it ended.
    if let Some(uri) = uri {
        let (operation, resource) = audit_fields(need);
        tracing::info!(
            target: "schemata_registry::audit",
            principal = %caller.principal,
            %method,
            path = uri.path(),
            query = uri.query().unwrap_or(""),
            operation,
            %resource,
            status = response.status().as_u16(),
            "write"
        );
    }
    response
}

/// The answer to an allowed `AuthorizeOnly` request.
fn authorized() -> Response {
    let mut response = axum::http::StatusCode::NO_CONTENT.into_response();
    response.extensions_mut().insert(crate::forward::Authorized);
    response
}

fn unauthenticated(app: &App, auth: &Auth) -> Response {
    app.shared.metrics.observe_denial(false);
    let mut response = ApiError::Unauthenticated.into_response();
    for challenge in auth.challenges() {
        response.headers_mut().append(header::WWW_AUTHENTICATE, challenge);
    }
    response
}

/// Whether some subject holding schema `id` (soft-deleted versions included) is readable, the
/// id looked for in the context `subject` selects (`RegistryState::find_id`).
fn readable_id(app: &App, rules: &Rules, caller: &Caller, id: &str, subject: Option<&str>) -> bool {
    let Some(id) = id.parse::<i64>().ok().and_then(schemata_core::SchemaId::new) else {
        return false;
    };
    let Some(sid) = app.shared.read().find_id(id, subject) else { return false };
    readable_ids(app, rules, caller, &[sid])
}

/// Whether some subject holding one of the ids of schema `guid` is readable.
fn readable_guid(app: &App, rules: &Rules, caller: &Caller, guid: &str) -> bool {
    let Ok(guid) = guid.parse::<schemata_core::Guid>() else { return false };
    let ids: Vec<crate::state::Sid> = match app.shared.read().by_guid.get(&guid) {
        Some(ids) => ids.iter().copied().collect(),
        None => return false,
    };
    readable_ids(app, rules, caller, &ids)
}

fn readable_ids(app: &App, rules: &Rules, caller: &Caller, ids: &[crate::state::Sid]) -> bool {
    let state = app.shared.read();
    state.subjects.iter().any(|(name, subject)| {
        subject.versions.values().any(|row| ids.contains(&row.id))
            && rules.allows(caller, Operation::Read, Resource::Subject(name))
    })
}

/// The operation and resource of a request as audit fields of their own, for log queries
/// (computed only for refusals and writes: reads pay nothing).
fn audit_fields(need: Need<'_>) -> (&'static str, String) {
    match need {
        Need::Operation(operation, Resource::Subject(subject)) => {
            (operation.as_str(), format!("subject:{subject}"))
        }
        Need::Operation(operation, Resource::Global) => (operation.as_str(), "global".to_owned()),
        Need::Check(subject) => ("write", format!("subject:{subject}")),
        Need::SchemaId(id) => ("read", format!("schema:{id}")),
        Need::SchemaGuid(guid) => {
            ("read", format!("schema:{}", guid.chars().take(64).collect::<String>()))
        }
        Need::Open | Need::Authenticated => ("read", "registry".to_owned()),
    }
}

/// The denied operation in words, naming only what the caller asked for.
fn describe(need: Need<'_>) -> String {
    match need {
        Need::Operation(operation, Resource::Subject(subject)) => {
            format!("{} subject '{subject}'", operation.as_str())
        }
        Need::Operation(operation, Resource::Global) => {
            format!("{} the global config and mode", operation.as_str())
        }
        Need::Check(subject) => format!("write subject '{subject}'"),
        Need::SchemaId(id) => format!("read schema {id}"),
        Need::SchemaGuid(guid) => {
            format!("read schema {}", guid.chars().take(64).collect::<String>())
        }
        Need::Open | Need::Authenticated => "use the registry".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A changed file is read once it stayed the same for one check: a file caught half written
    /// (here: truncated, which parses as no rules at all) is never put in force.
    #[test]
    fn a_changed_file_is_read_once_it_settles() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rules.toml");
        let rule = "[[allow]]\nprincipals = ['carol']\noperations = ['read']\nsubjects = ['*']\n";
        std::fs::write(&path, rule).unwrap();
        let watched = Watched::new(Some(path.clone()), Rules::load).unwrap();
        let carol = Caller {
            principal: "carol".into(),
            roles: Vec::new(),
            groups: Vec::new(),
            grants: Grants::default(),
        };
        let reads =
            |w: &Watched<Rules>| w.current().allows(&carol, Operation::Read, Resource::Global);
        assert_eq!(watched.reload(), None, "unchanged");
        // Truncated mid-write: seen, not loaded.
        std::fs::write(&path, "").unwrap();
        assert_eq!(watched.reload(), None);
        // The writer finishes with other rules; the next check sees a change again, the one
        // after that loads it.
        let global = rule.replace("subjects = ['*']", "global = true");
        std::fs::write(&path, &global).unwrap();
        assert_eq!(watched.reload(), None);
        assert!(!reads(&watched), "the old rules are still in force");
        assert_eq!(watched.reload(), Some(true));
        assert!(reads(&watched), "the settled file is in force");
        assert_eq!(watched.reload(), None);
        // A broken file that settles is tried once and refused; the rules stay.
        std::fs::write(
            &path,
            "[[allow]]\nroles = ['x']\noperations = ['raed']\nsubjects = ['*']\n",
        )
        .unwrap();
        assert_eq!(
            (watched.reload(), watched.reload(), watched.reload()),
            (None, Some(false), None)
        );
        assert!(reads(&watched));
    }

    #[test]
    fn every_route_needs_what_it_does() {
        let check = |method: Method, route: &str, expected: Need<'_>| {
            let got = need(&method, Some(route), Some("s"), false);
            assert_eq!(got, expected, "{method} {route}");
        };
        use Operation::*;
        let s = Resource::Subject("s");
        check(Method::GET, "/health/ready", Need::Open);
        check(Method::GET, "/metrics", Need::Operation(Read, Resource::Global));
        check(Method::GET, "/subjects", Need::Authenticated);
        check(Method::POST, "/subjects/{subject}", Need::Operation(Read, s));
        check(Method::DELETE, "/subjects/{subject}", Need::Operation(Delete, s));
        check(Method::POST, "/subjects/{subject}/versions", Need::Operation(Write, s));
        check(Method::GET, "/subjects/{subject}/versions/{version}", Need::Operation(Read, s));
        check(Method::GET, "/subjects/{subject}/metadata", Need::Operation(Read, s));
        check(Method::DELETE, "/subjects/{subject}/versions/{version}", Need::Operation(Delete, s));
        check(Method::POST, "/compatibility/subjects/{subject}/versions", Need::Check("s"));
        check(Method::POST, "/ui/subjects/{subject}/test", Need::Check("s"));
        check(Method::PUT, "/config", Need::Operation(Admin, Resource::Global));
        check(Method::PUT, "/mode/{subject}", Need::Operation(Config, s));
        check(Method::GET, "/schemas/ids/{id}", Need::SchemaId("s"));
        check(Method::GET, "/schemas/guids/{guid}/ids", Need::SchemaGuid("s"));
        check(Method::POST, "/ui/subjects/{subject}/delete", Need::Operation(Delete, s));
        check(Method::GET, "/ui/diff", Need::Authenticated);
        check(Method::GET, "/ui/ids/{id}", Need::SchemaId("s"));
        check(Method::GET, "/some/new/{route}", Need::Operation(Admin, Resource::Global));
        assert_eq!(need(&Method::GET, Some("/metrics"), None, true), Need::Open);
        assert_eq!(need(&Method::GET, None, None, false), Need::Authenticated);
    }
}
