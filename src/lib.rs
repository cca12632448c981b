//! leadbox: a self-hosted sales-lead inbox in one binary.
//!
//! `rocket(figment)` builds the whole application; `main` and the tests both call it, so what
//! the tests drive is what ships.

pub mod admin;
pub mod analytics;
pub mod app;
pub mod auth;
pub mod bootstrap;
pub mod clock;
pub mod config;
pub mod contact_requests;
pub mod cors;
pub mod delivery;
pub mod domain;
pub mod end_users;
pub mod error;
pub mod inquiries;
pub mod json;
pub mod leads;
pub mod ops;
pub mod paging;
pub mod people;
pub mod pricing_selections;
pub mod ratelimit;
pub mod realtime;
pub mod store;
pub mod util;
pub mod workspaces;

use std::sync::Arc;
use std::time::Duration;

use rocket::fairing::AdHoc;
use rocket::figment::Figment;
use rocket::shield::{Frame, Shield};
use rocket::{catchers, Build, Rocket};

use app::App;
use auth::throttle::Throttle;
use config::TrustedProxies;
use inquiries::spam::SpamGuard;
use leads::kind::Registry;
use ops::metrics::{Metrics, RequestMetrics};
use ratelimit::Limits;
use realtime::hub::Hub;
use store::Store;

/// Every lead kind leadbox ships: the one place that names them all.
pub fn kinds() -> Registry {
    Registry::new()
        .with(inquiries::kind::Inquiries)
        .with(contact_requests::kind::ContactRequests)
        .with(pricing_selections::kind::PricingSelections)
}

/// Builds the application on `figment` (see `config::figment`) with the built-in lead kinds.
pub fn rocket(figment: Figment) -> Rocket<Build> {
    rocket_with(figment, kinds())
}

/// Builds the application with the lead kinds of `registry`. The one place that mounts.
pub fn rocket_with(figment: Figment, registry: Registry) -> Rocket<Build> {
    let metrics = Arc::new(Metrics::default());
    let m = metrics.clone();
    let registry = Arc::new(registry);
    let mut routes = vec![];
    routes.extend(ops::routes());
    routes.extend(auth::routes::routes());
    routes.extend(workspaces::routes());
    routes.extend(end_users::routes());
    routes.extend(realtime::routes());
    routes.extend(leads::routes());
    routes.extend(delivery::routes());
    routes.extend(people::api::routes());
    routes.extend(people::pages::routes());
    for kind in registry.all() {
        routes.extend(kind.routes());
    }
    routes.extend(analytics::routes());
    routes.extend(cors::routes());
    routes.extend(admin::routes());
    let mut lifecycle = vec![];
    for kind in registry
        .all()
        .iter()
        .filter(|k| k.lifecycle_table().is_some())
    {
        lifecycle.push((
            format!("/api/v1/{}", kind.collection()),
            leads::api::lifecycle_routes(),
        ));
        lifecycle.push((
            kind.admin_path().to_string(),
            leads::pages::lifecycle_routes(),
        ));
    }
    for kind in registry.all() {
        lifecycle.push((kind.admin_path().to_string(), leads::pages::note_routes()));
    }
    let rocket = rocket::custom(figment);
    let rocket = lifecycle
        .into_iter()
        .fold(rocket, |r, (base, routes)| r.mount(base, routes));
    rocket
        .attach(AdHoc::try_on_ignite("leadbox", move |rocket| async move {
            match start(rocket.figment().clone(), m, registry).await {
                Ok((app, figment)) => Ok(rocket.configure(figment).manage(app)),
                Err(e) => {
                    tracing::error!("{e}");
                    eprintln!("leadbox: {e}");
                    Err(rocket)
                }
            }
        }))
        .attach(AdHoc::on_liftoff("leadbox maintenance", |rocket| {
            Box::pin(async move {
                let Some(app) = rocket.state::<App>() else {
                    return;
                };
                let shutdown = rocket.shutdown();
                let cfg = rocket.config();
                tracing::info!(address = %cfg.address, port = cfg.port, "leadbox is listening");
                rocket::tokio::spawn(maintenance(app.housekeeping(), shutdown.clone()));
                rocket::tokio::spawn(app.courier.clone().run(
                    app.store.clone(),
                    app.kinds.clone(),
                    app.hub.clone(),
                    shutdown,
                ));
            })
        }))
        .attach(AdHoc::on_shutdown("leadbox flush", |rocket| {
            Box::pin(async move {
                if let Some(app) = rocket.state::<App>() {
                    flush_failures(&app.housekeeping()).await;
                }
            })
        }))
        // Framing is decided per page (admin: never; hosted form: allowed origins), not globally.
        .attach(Shield::default().disable::<Frame>())
        .attach(RequestMetrics(metrics))
        .attach(admin::SecurityHeaders)
        .attach(admin::search::OpenSealedSearch)
        .attach(cors::WidgetCors)
        .mount("/", routes)
        .register("/api", catchers![error::api_catcher])
        .register("/healthz", catchers![error::api_catcher])
        .register("/readyz", catchers![error::api_catcher])
        .register("/metrics", catchers![error::api_catcher])
        .register(
            "/api/sales",
            catchers![contact_requests::public::contact_catcher],
        )
        .register("/", catchers![admin::page_catcher])
}

/// Prepares the data folder and secret, opens the store and runs first-start bootstrap.
async fn start(
    figment: Figment,
    metrics: Arc<Metrics>,
    kinds: Arc<Registry>,
) -> Result<(App, Figment), String> {
    let (config, figment) = config::prepare(figment)?;
    let trusted = TrustedProxies::parse(&config.trusted_proxies.items())?;
    let hub = Hub::new(metrics.clone());
    // Two servers on one database would each believe they own the writer.
    let lock = Arc::new(store::guard::lock(&config.data_dir)?);
    let secret: String = figment
        .extract_inner("secret_key")
        .map_err(|e| format!("secret key: {e}"))?;
    let spam = SpamGuard::new(&secret, Some(config.data_dir.clone()));
    let seal = admin::search::Seal::new(&secret);
    let forms = Arc::new(inquiries::forms::cache::FormCache::default());
    // Told of each commit, in this order: what the capture path keeps in memory first, so a
    // socket that hears of a change never sees the old settings again.
    let listeners = store::Listeners(vec![forms.clone(), spam.models.clone()], hub.clone());
    let store = Store::open(
        &config.data_dir,
        config.writer_max_batch,
        metrics.clone(),
        Arc::new(listeners),
    )?;
    store
        .guard()
        .set_min_free(config.min_free_mb.saturating_mul(1024 * 1024));
    for kind in kinds.all() {
        if let Some(ddl) = kind.schema() {
            store
                .write(move |tx| Ok(tx.execute_batch(ddl)?))
                .await
                .map_err(|e| format!("schema of lead kind {}: {e}", kind.id()))?;
        }
    }
    let registry = kinds.clone();
    let rebuilt = store
        .write(move |tx| {
            let sla = leads::routing::sla::triggers(&registry);
            let rebuilt = leads::index::install(tx, &registry, &sla)?;
            leads::people::backfill(tx, &registry)?;
            Ok(rebuilt)
        })
        .await
        .map_err(|e| format!("lead index: {e}"))?;
    if rebuilt > 0 {
        tracing::info!(kinds = rebuilt, "lead index built");
    }
    // New leads are indexed by the writer many at a time (captures defer it).
    store.defer_to(Arc::new(leads::index::Indexer::new(&kinds)));
    let base = base_url(&config, &figment);
    let courier = Arc::new(delivery::Courier::new(&config, &base, metrics.clone())?);
    let outcome = bootstrap::run(
        &store,
        config.bootstrap_email.clone(),
        config.bootstrap_password.clone(),
    )
    .await?;
    match &outcome {
        bootstrap::Outcome::Ready => {}
        bootstrap::Outcome::OwnerCreated => tracing::info!("bootstrap owner created"),
        bootstrap::Outcome::SetupLink(token) => {
            let link = format!("{}/setup/{token}", base.trim_end_matches('/'));
            tracing::warn!("no staff user yet: create the owner at {link}");
            println!("leadbox: no staff user yet. Create the owner at {link}");
        }
    }
    let app = App {
        store,
        metrics,
        config,
        trusted,
        throttle: Arc::new(Throttle::default()),
        limits: Arc::new(Limits::default()),
        spam,
        forms,
        settings_hooks: vec![Arc::new(inquiries::quarantine::ReleaseOnAllow)],
        clock: Arc::default(),
        kinds,
        hub,
        courier,
        claims: Arc::default(),
        tally: Arc::default(),
        lock,
        seal,
    };
    Ok((app, figment))
}

/// Spam is kept this long, then purged.
pub const SPAM_RETENTION_DAYS: i64 = 30;

/// Background work: the pricing-selection expiry sweeper every minute; hourly clean-up of
/// expired sessions, spam past its retention, old idempotency keys and idle rate-limit keys.
async fn maintenance(h: app::Housekeeping, shutdown: rocket::Shutdown) {
    let mut hourly = rocket::tokio::time::interval(Duration::from_secs(3600));
    let mut minutely = rocket::tokio::time::interval(Duration::from_secs(60));
    let mut daily = rocket::tokio::time::interval(Duration::from_secs(86_400));
    // The first scheduled snapshot is a minute after start, not in the middle of it.
    let mut snapshots = rocket::tokio::time::interval_at(
        rocket::tokio::time::Instant::now() + Duration::from_secs(60),
        Duration::from_secs(60),
    );
    rocket::tokio::pin!(shutdown);
    loop {
        rocket::tokio::select! {
            _ = snapshots.tick() => scheduled_snapshot(&h).await,
            _ = daily.tick() => retention(&h).await,
            _ = hourly.tick() => {
                if let Err(e) = clean_up(&h).await {
                    tracing::warn!(error = %e, "clean-up failed");
                }
            }
            _ = minutely.tick() => {
                if let Err(e) = pricing_selections::service::sweep(&h.store, &h.clock).await {
                    tracing::warn!(error = %e, "expiry sweep failed");
                }
                if let Err(e) = leads::routing::api::run_sweep(&h.store, &h.kinds, &h.clock).await {
                    tracing::warn!(error = %e, "routing sweep failed");
                }
                flush_failures(&h).await;
            }
            _ = &mut shutdown => break,
        }
    }
}

/// Erases the leads that workspaces' `retentionDays` no longer keep (daily, and at start).
pub async fn retention(h: &app::Housekeeping) {
    let (kinds, scope) = (h.kinds.clone(), leads::kind::Scope { now: h.clock.now() });
    match h
        .store
        .write(move |tx| people::erase::retention_sweep(tx, &kinds, &scope))
        .await
    {
        Ok(0) => {}
        Ok(n) => {
            tracing::info!(leads = n, "retention erased closed leads");
            if let Err(e) = h.store.checkpoint().await {
                tracing::warn!(error = %e, "checkpoint after retention failed");
            }
        }
        Err(e) => tracing::warn!(error = %e, "retention sweep failed"),
    }
}

/// Takes the scheduled snapshot when one is due (`backup_every` hours after the newest), then
/// keeps the `backup_keep` newest.
pub async fn scheduled_snapshot(h: &app::Housekeeping) {
    if h.backup_every == 0 {
        return;
    }
    let (db, dir, every, keep) = (
        h.store.path().to_path_buf(),
        h.data_dir.clone(),
        h.backup_every,
        h.backup_keep,
    );
    let done = ops::backups::low_priority(move || {
        if !ops::backups::due(&dir, every) {
            return Ok(None);
        }
        let s = ops::backups::take(&db, &dir)?;
        ops::backups::prune(&dir, keep)?;
        Ok(Some(s))
    })
    .await;
    match done {
        Ok(Some(s)) => tracing::info!(name = %s.name, size = s.size, "scheduled snapshot taken"),
        Ok(None) => {}
        Err(e) => tracing::error!(
            error = %e,
            "the scheduled snapshot failed; it is tried again in a minute"
        ),
    }
}

/// Writes the failure counts gathered in memory as one aggregate analytics event per kind
/// (with its `count`), in one writer job. Counts that cannot be written are put back.
pub async fn flush_failures(h: &app::Housekeeping) {
    let counts = h.tally.drain();
    if counts.is_empty() {
        return;
    }
    let again = counts.clone();
    let written = h
        .store
        .write(move |tx| {
            for (ws, event, mut data, n) in counts {
                data["count"] = serde_json::json!(n);
                contact_requests::service::analytics(tx, &ws, event, data)?;
            }
            Ok(())
        })
        .await;
    if written.is_err() {
        for (ws, event, data, n) in again {
            for _ in 0..n.min(10_000) {
                h.tally.add(&ws, event, &data);
            }
        }
    }
}

/// One clean-up pass (also run by tests).
pub async fn clean_up(h: &app::Housekeeping) -> Result<usize, error::ApiError> {
    h.throttle.sweep();
    h.limits.sweep();
    let before = util::rfc3339(util::now() - time::Duration::days(SPAM_RETENTION_DAYS));
    h.store
        .write(move |tx| {
            auth::sessions::purge_expired(tx)?;
            let day_ago = util::rfc3339(
                util::now() - time::Duration::hours(contact_requests::service::KEY_HOURS),
            );
            contact_requests::queries::purge_keys(tx, &day_ago)?;
            inquiries::queries::purge_spam(tx, &before)
        })
        .await
}

/// Where links to this leadbox point: `public_url`, else the address and port it listens on.
pub fn base_url(config: &config::Config, figment: &rocket::figment::Figment) -> String {
    config.public_url.clone().unwrap_or_else(|| {
        let addr: String = figment
            .extract_inner("address")
            .unwrap_or_else(|_| "127.0.0.1".into());
        let port: u16 = figment.extract_inner("port").unwrap_or(8000);
        format!("http://{addr}:{port}")
    })
}
