//! `tevreden`: the one binary. Subcommands: serve, migrate, demo, org, import, export, token,
//! survey, bench. Each takes `--database-url` (or `TEVREDEN_DATABASE_URL`).

/// mimalloc: the server allocates many small, short-lived values per request (parsed forms,
/// rendered pages); glibc's allocator spent about a sixth of the server's CPU on them.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod bench;
mod demo;
mod import;
mod rollups;
mod users;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use tevreden_domain::survey::{FileFormat, parse_survey_file};
use tevreden_storage::{DatabaseUrl, Role, Store, StoreOptions};
use tevreden_web::{AppState, WebConfig};

/// How the audit log names a change made through this command line.
const CLI_ACTOR: &tevreden_storage::Actor = &tevreden_storage::Actor::Cli;

#[derive(Parser)]
#[command(
    name = "tevreden",
    version,
    about = "Tevreden: customer and employee feedback that is measured, shared and acted upon"
)]
struct Cli {
    /// Database: sqlite://PATH (relative to the working directory; created if missing) or
    /// postgres://USER@HOST/DB. Default: sqlite://tevreden.db (the demo: sqlite://tevreden-demo.db).
    #[arg(long, global = true, env = "TEVREDEN_DATABASE_URL")]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web app and API.
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create (or reuse) the demo organisation, serve it, and print URLs and logins.
    Demo {
        #[command(flatten)]
        serve: ServeArgs,
        /// Delete the demo database first (SQLite only) and generate everything anew.
        #[arg(long)]
        fresh: bool,
    },
    /// Manage organisations.
    Org {
        #[command(subcommand)]
        command: OrgCommand,
    },
    /// Import units, employees or customer contacts from CSV (`,` or `;`) or XLSX.
    Import {
        what: import::ImportKind,
        file: PathBuf,
        #[arg(long)]
        org: String,
        /// Import the valid rows even when some rows are refused.
        #[arg(long)]
        skip_invalid: bool,
    },
    /// Export data.
    Export {
        #[command(subcommand)]
        command: ExportCommand,
    },
    /// Manage user accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Manage surveys from files.
    Survey {
        #[command(subcommand)]
        command: SurveyCommand,
    },
    /// Check or rebuild the analytics aggregates against the raw responses.
    Rollups {
        #[command(subcommand)]
        command: rollups::RollupsCommand,
    },
    /// Measure performance (release builds only give meaningful figures).
    Bench {
        #[command(subcommand)]
        command: bench::BenchCommand,
    },
}

#[derive(clap::Args, Clone)]
struct ServeArgs {
    /// Address to listen on; port 0 picks a free port (the chosen address is printed).
    #[arg(long, default_value = "127.0.0.1:8080", env = "TEVREDEN_LISTEN")]
    listen: SocketAddr,
    /// The address people reach this server at, used in links (default: http://<listen>).
    #[arg(long, env = "TEVREDEN_PUBLIC_URL")]
    public_url: Option<String>,
    /// SMTP server for invitations and password resets, e.g. smtp://mail.example.nl:25 or
    /// smtps://user:password@mail.example.nl. Without it email waits in the outbox.
    #[arg(long, env = "TEVREDEN_SMTP_URL")]
    smtp_url: Option<String>,
    /// Sender of that email.
    #[arg(
        long,
        env = "TEVREDEN_MAIL_FROM",
        default_value = "Tevreden <noreply@localhost>"
    )]
    mail_from: String,
    /// A reverse proxy (address or CIDR, e.g. 10.0.0.0/8; repeat or separate with commas)
    /// whose `X-Forwarded-For` is believed for the client's address. Nobody else's is.
    #[arg(long = "trusted-proxy", env = "TEVREDEN_TRUSTED_PROXY", value_delimiter = ',', value_parser = parse_net)]
    trusted_proxy: Vec<ipnet::IpNet>,
    /// Pages a client address may post at once to one public link (drafts and submissions);
    /// 0 turns the limit off. Personal links are not limited this way.
    #[arg(long, env = "TEVREDEN_PUBLIC_LINK_BURST", default_value_t = 100)]
    public_link_burst: u32,
    /// How many more per second after the burst.
    #[arg(long, env = "TEVREDEN_PUBLIC_LINK_PER_SECOND", default_value_t = 1.0)]
    public_link_per_second: f64,
}

/// An address or a network: `203.0.113.7`, `10.0.0.0/8`, `::1`.
fn parse_net(s: &str) -> Result<ipnet::IpNet, String> {
    let s = s.trim();
    s.parse::<ipnet::IpNet>()
        .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| format!("`{s}` is not an IP address or network (like 10.0.0.0/8)"))
}

#[derive(Subcommand)]
enum OrgCommand {
    /// Create an organisation.
    Create {
        #[arg(long)]
        slug: String,
        #[arg(long)]
        name: String,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user who signs in with email and password. Without --password a password is
    /// generated and printed.
    Create {
        #[arg(long)]
        org: String,
        #[arg(long)]
        email: String,
        #[arg(long, value_enum)]
        role: RoleArg,
        /// The person's name (default: the part of the email before @).
        #[arg(long)]
        name: Option<String>,
        #[arg(long, env = "TEVREDEN_USER_PASSWORD")]
        password: Option<String>,
        /// External ids of the units a manager or member is scoped to (repeat or comma-separate).
        #[arg(long, value_delimiter = ',')]
        unit: Vec<String>,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create an API token and print it (only the token) on stdout.
    Create {
        #[arg(long)]
        org: String,
        #[arg(long, value_enum, default_value = "admin")]
        role: RoleArg,
        /// A name that says what the token is for.
        #[arg(long, default_value = "cli")]
        name: String,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum RoleArg {
    Admin,
    Manager,
    Member,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Role {
        match r {
            RoleArg::Admin => Role::Admin,
            RoleArg::Manager => Role::Manager,
            RoleArg::Member => Role::Member,
        }
    }
}

#[derive(Subcommand)]
enum ExportCommand {
    /// All responses of a survey, one row per response and one column per question.
    Responses {
        #[arg(long)]
        org: String,
        #[arg(long)]
        survey: String,
        #[arg(long, value_enum, default_value = "csv")]
        format: ExportFormat,
        /// `;` instead of `,` (for Excel with Dutch settings).
        #[arg(long)]
        semicolon: bool,
        /// Write to this file instead of stdout.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum ExportFormat {
    Csv,
    Json,
}

#[derive(Subcommand)]
enum SurveyCommand {
    /// Upload a survey file (YAML or JSON) as a draft, and publish it with --publish.
    Create {
        #[arg(long)]
        org: String,
        file: PathBuf,
        #[arg(long)]
        publish: bool,
    },
}

fn database_url(cli: &Option<String>, default: &str) -> Result<DatabaseUrl, String> {
    DatabaseUrl::parse(cli.as_deref().unwrap_or(default))
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("TEVREDEN_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,hyper=warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

pub(crate) async fn open_store(url: &DatabaseUrl) -> Result<Store, String> {
    Store::open(url, StoreOptions::default())
        .await
        .map_err(|e| format!("cannot open the database {}: {e}", url.redacted()))
}

async fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Serve(args) => {
            let url = database_url(&cli.database_url, "sqlite://tevreden.db")?;
            let store = open_store(&url).await?;
            serve(store, args, |addr| {
                println!("Tevreden is listening on http://{addr}")
            })
            .await
        }
        Command::Migrate => {
            let url = database_url(&cli.database_url, "sqlite://tevreden.db")?;
            let n = Store::migrate(&url)
                .await
                .map_err(|e| format!("migration failed: {e}"))?;
            println!(
                "{} is up to date ({n} migration(s) applied now)",
                url.redacted()
            );
            Ok(())
        }
        Command::Demo { serve: args, fresh } => {
            let url = database_url(&cli.database_url, "sqlite://tevreden-demo.db")?;
            demo::run(url, args, fresh).await
        }
        Command::Org {
            command: OrgCommand::Create { slug, name },
        } => {
            let url = database_url(&cli.database_url, "sqlite://tevreden.db")?;
            tevreden_domain::keys::OrgSlug::parse(&slug).map_err(|e| e.0)?;
            let store = open_store(&url).await?;
            let org = store
                .create_org(&slug, &name)
                .await
                .map_err(|e| e.to_string())?;
            store.close().await;
            println!("created organisation {} ({})", org.slug, org.name);
            Ok(())
        }
        Command::Import {
            what,
            file,
            org,
            skip_invalid,
        } => {
            let url = database_url(&cli.database_url, "sqlite://tevreden.db")?;
            import::run(&url, what, &file, &org, skip_invalid).await
        }
        Command::Export {
            command:
                ExportCommand::Responses {
                    org,
                    survey,
                    format,
                    semicolon,
                    output,
                },
        } => {
            let url = database_url(&cli.database_url, "sqlite://tevreden.db")?;
            export_responses(&url, &org, &survey, format, semicolon, output).await
        }
        Command::User {
            command:
                UserCommand::Create {
                    org,
                    email,
                    role,
                    name,
                    password,
                    unit,
                },
        } => {
            let url = database_url(&cli.database_url, "sqlite://tevreden.db")?;
            let store = open_store(&url).await?;
            let org = store
                .org_by_slug(&org)
                .await
                .map_err(|e| format!("{e}; create it with `tevreden org create`"))?;
            let created =
                users::create(&store, &org, &email, role.into(), name, password, &unit).await;
            store.close().await;
            let generated = created?;
            if let Some(pw) = generated {
                println!("{pw}");
            }
            Ok(())
        }
        Command::Token {
            command: TokenCommand::Create { org, role, name },
        } => {
            let url = database_url(&cli.database_url, "sqlite://tevreden.db")?;
            let store = open_store(&url).await?;
            let org = store
                .org_by_slug(&org)
                .await
                .map_err(|e| format!("{e}; create it with `tevreden org create`"))?;
            let (secret, _) = store
                .create_api_token(org.id, &name, role.into(), None, CLI_ACTOR)
                .await
                .map_err(|e| e.to_string())?;
            store.close().await;
            println!("{secret}");
            Ok(())
        }
        Command::Survey {
            command: SurveyCommand::Create { org, file, publish },
        } => {
            let url = database_url(&cli.database_url, "sqlite://tevreden.db")?;
            let bytes =
                std::fs::read(&file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            let format = match file.extension().and_then(|e| e.to_str()) {
                Some("json") => FileFormat::Json,
                _ => FileFormat::Yaml,
            };
            let parsed = parse_survey_file(&bytes, format).map_err(|errs| {
                let lines: Vec<String> = errs.iter().map(|e| format!("  {e}")).collect();
                format!(
                    "{} is not a valid survey file; nothing was saved:\n{}",
                    file.display(),
                    lines.join("\n")
                )
            })?;
            for w in &parsed.warnings {
                eprintln!("warning: {w}");
            }
            let store = open_store(&url).await?;
            let org = store.org_by_slug(&org).await.map_err(|e| e.to_string())?;
            store
                .save_survey_draft(org.id, &parsed.definition, (CLI_ACTOR, None))
                .await
                .map_err(|e| e.to_string())?;
            println!("saved a draft of `{}`", parsed.definition.key);
            if publish {
                let (survey, version) = store
                    .publish_survey(org.id, parsed.definition.key.as_str(), CLI_ACTOR)
                    .await
                    .map_err(|e| e.to_string())?;
                println!(
                    "published version {} — public link path: /s/{}",
                    version.version.unwrap_or(0),
                    survey.public_id
                );
            }
            store.close().await;
            Ok(())
        }
        Command::Rollups { command } => {
            let url = database_url(&cli.database_url, "sqlite://tevreden.db")?;
            rollups::run(&url, command).await
        }
        Command::Bench { command } => bench::run(command, cli.database_url).await,
    }
}

/// Serves until Ctrl-C or SIGTERM; `announce` is called with the bound address.
pub(crate) async fn serve(
    store: Store,
    args: ServeArgs,
    announce: impl FnOnce(SocketAddr),
) -> Result<(), String> {
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let public_url = args.public_url.unwrap_or_else(|| format!("http://{addr}"));
    let smtp = args.smtp_url.map(|url| tevreden_web::mailer::SmtpConfig {
        url,
        from: args.mail_from.clone(),
    });
    let state = AppState::new(
        store,
        WebConfig {
            public_url,
            smtp,
            trusted_proxies: args.trusted_proxy.clone(),
            public_link_rate: tevreden_web::throttle::Rate {
                burst: args.public_link_burst,
                per_second: args.public_link_per_second,
            },
            ..Default::default()
        },
    );
    announce(addr);
    tevreden_web::serve(listener, state, shutdown_signal())
        .await
        .map_err(|e| e.to_string())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing queued responses");
}

async fn export_responses(
    url: &DatabaseUrl,
    org: &str,
    survey: &str,
    format: ExportFormat,
    semicolon: bool,
    output: Option<PathBuf>,
) -> Result<(), String> {
    use std::io::Write;
    use tevreden_domain::export::{AnswerLayout, CsvRows, header};
    let store = open_store(url).await?;
    let org = store.org_by_slug(org).await.map_err(|e| e.to_string())?;
    let survey = store
        .survey(org.id, survey)
        .await
        .map_err(|e| e.to_string())?;
    let total = store
        .count_responses(survey.id)
        .await
        .map_err(|e| e.to_string())?;
    let cols = store
        .export_columns(survey.id)
        .await
        .map_err(|e| e.to_string())?;
    let mut out: Box<dyn Write> = match &output {
        Some(p) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(p).map_err(|e| format!("cannot create {}: {e}", p.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let bar = if output.is_some() {
        indicatif::ProgressBar::new(total as u64)
    } else {
        indicatif::ProgressBar::hidden()
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:40} {pos}/{len} responses ({per_sec}, {eta} left)",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let delimiter = if semicolon { b';' } else { b',' };
    let io = |e: std::io::Error| format!("writing the export failed: {e}");
    if format == ExportFormat::Csv {
        let mut csv = CsvRows::new(delimiter);
        csv.record(header(&cols).iter().map(String::as_str));
        out.write_all(b"\xef\xbb\xbf").map_err(io)?;
        out.write_all(&csv.take()).map_err(io)?;
        let tz = store
            .org_time_zone(org.id)
            .await
            .map_err(|e| e.to_string())?;
        let layout = AnswerLayout::new(&cols).speaking("en", tz);
        let mut reader = tevreden_storage::ExportReader::new(survey.id, None);
        while let Some(page) = reader
            .next_page(&store, 2_000)
            .await
            .map_err(|e| e.to_string())?
        {
            page.write_csv(&layout, &mut csv);
            out.write_all(&csv.take()).map_err(io)?;
            bar.inc(page.len() as u64);
        }
    } else {
        out.write_all(b"[").map_err(io)?;
        let mut after = 0;
        let mut first = true;
        loop {
            let page = store
                .responses_after(survey.id, after, 2_000)
                .await
                .map_err(|e| e.to_string())?;
            for r in &page {
                if !first {
                    out.write_all(b",\n").map_err(io)?;
                }
                first = false;
                out.write_all(&serde_json::to_vec(&r.export_json()).unwrap_or_default())
                    .map_err(io)?;
            }
            bar.inc(page.len() as u64);
            match page.last() {
                Some(last) if page.len() == 2_000 => after = last.id,
                _ => break,
            }
        }
        out.write_all(b"]\n").map_err(io)?;
    }
    out.flush().map_err(io)?;
    bar.finish_and_clear();
    store.close().await;
    if let Some(p) = output {
        eprintln!("wrote {total} responses to {}", p.display());
    }
    Ok(())
}
