//! `tevreden rollups verify|rebuild`: checks the analytics aggregates against the raw
//! responses, and recomputes them when they differ.

use tevreden_domain::rollup::{Grain, day_label, month_label, week_label};
use tevreden_storage::{DatabaseUrl, RollupCheck};

use crate::open_store;

#[derive(clap::Subcommand)]
pub enum RollupsCommand {
    /// Recompute the aggregates from the raw responses and report every difference (exit
    /// status 1 when there is one).
    Verify {
        /// Only this organisation's surveys.
        #[arg(long)]
        org: Option<String>,
        /// Only this survey (needs --org).
        #[arg(long, requires = "org")]
        survey: Option<String>,
    },
    /// Replace the aggregates with a recomputation from the raw responses.
    Rebuild {
        #[arg(long)]
        org: String,
        /// Only this survey.
        #[arg(long)]
        survey: Option<String>,
    },
}

pub async fn run(url: &DatabaseUrl, cmd: RollupsCommand) -> Result<(), String> {
    let store = open_store(url).await?;
    let result = match cmd {
        RollupsCommand::Verify { org, survey } => verify(&store, org, survey).await,
        RollupsCommand::Rebuild { org, survey } => rebuild(&store, &org, survey).await,
    };
    store.close().await;
    result
}

async fn surveys(
    store: &tevreden_storage::Store,
    org: Option<&str>,
    survey: Option<&str>,
) -> Result<Vec<(i64, String)>, String> {
    let org_id = match org {
        Some(slug) => Some(
            store
                .org_by_slug(slug)
                .await
                .map_err(|e| format!("{e}; `tevreden org create` makes one"))?
                .id,
        ),
        None => None,
    };
    let survey_id = match (org_id, survey) {
        (Some(o), Some(key)) => Some(
            store
                .survey(o, key)
                .await
                .map_err(|e| format!("survey `{key}`: {e}"))?
                .id,
        ),
        _ => None,
    };
    store
        .rollup_surveys(org_id, survey_id)
        .await
        .map_err(|e| e.to_string())
}

fn spinner(msg: String) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template("  {spinner} {msg} {elapsed}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    bar.set_message(msg);
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}

async fn verify(
    store: &tevreden_storage::Store,
    org: Option<String>,
    survey: Option<String>,
) -> Result<(), String> {
    let list = surveys(store, org.as_deref(), survey.as_deref()).await?;
    let mut bad = 0usize;
    for (id, key) in list {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "  checking {msg} {bar:30} {pos}/{len} chunks of months ({elapsed}, {eta} left)",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar.set_message(format!("`{key}`"));
        bar.enable_steady_tick(std::time::Duration::from_millis(250));
        let progress = |p: tevreden_storage::VerifyProgress| {
            bar.set_length(p.chunks as u64);
            bar.set_position(p.chunks_done as u64);
            bar.set_message(format!("`{key}`: {} responses", p.responses));
        };
        let check = store
            .verify_rollup_with_progress(id, key.clone(), Default::default(), &progress)
            .await
            .map_err(|e| e.to_string());
        bar.finish_and_clear();
        let check = check?;
        report(&check);
        if !check.matches() {
            bad += 1;
        }
    }
    if bad > 0 {
        return Err(format!(
            "{bad} survey(s) have aggregates that differ from their responses; \
             `tevreden rollups rebuild --org … --survey …` recomputes them"
        ));
    }
    Ok(())
}

fn period(grain: Grain, p: i32) -> String {
    match grain {
        Grain::Day => day_label(p),
        Grain::Week => week_label(p),
        Grain::Month => month_label(p),
    }
}

fn report(c: &RollupCheck) {
    let d = &c.diff;
    let n = &c.differing;
    if c.matches() {
        println!(
            "ok       {:<24} {} responses, aggregates match",
            c.survey_key, c.responses
        );
        return;
    }
    println!(
        "DIFFERS  {:<24} {} responses: {} histogram cell(s), {} attribute cell(s), {} moment cell(s) differ",
        c.survey_key, c.responses, n.counts, n.attr_counts, n.moments
    );
    for (k, stored, recomputed) in d.counts.iter().take(20) {
        println!(
            "         {} {} unit {} touchpoint {} channel {} value {}: stored {stored}, responses say {recomputed}",
            k.question,
            period(k.grain, k.period),
            k.unit_id,
            k.touchpoint_id,
            k.channel_id,
            k.value
        );
    }
    if n.counts > 20 {
        println!("         … and {} more", n.counts - 20);
    }
    for (k, stored, recomputed) in d.attr_counts.iter().take(20) {
        println!(
            "         {} {} {}={} unit {} value {}: stored {stored}, responses say {recomputed}",
            k.question,
            period(k.grain, k.period),
            k.attribute,
            k.attribute_value,
            k.unit_id,
            k.value
        );
    }
    if n.attr_counts > 20 {
        println!("         … and {} more", n.attr_counts - 20);
    }
}

async fn rebuild(
    store: &tevreden_storage::Store,
    org: &str,
    survey: Option<String>,
) -> Result<(), String> {
    for (id, key) in surveys(store, Some(org), survey.as_deref()).await? {
        let bar = spinner(format!("rebuilding `{key}`"));
        let n = store.rebuild_rollup(id).await.map_err(|e| e.to_string());
        bar.finish_and_clear();
        println!("rebuilt  {key:<24} from {} responses", n?);
    }
    Ok(())
}
