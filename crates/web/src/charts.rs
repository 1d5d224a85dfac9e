//! Server-side SVG charts for the analytics dashboard.
//!
//! Pure layout: callers pass numbers already computed elsewhere (scores, intervals, control
//! limits, driver shares) and the translated strings in a [`ChartText`]; each function returns
//! one `<svg>` element as a string. Nothing here computes a statistic or holds language text.
//!
//! The admin CSP allows no inline styles and no script, so colours, dashes and sizes are SVG
//! presentation attributes (the same SVG therefore renders standalone, e.g. to PNG for email)
//! and the `/* charts */` section of `admin.css` only sizes the element and adds hover and
//! forced-colour touches. Every chart has a `viewBox` 480 wide and `width="100%"`, with fonts
//! of 18–21 units: on a 390 px phone the chart is about 324 px wide, so the smallest text is
//! 12 px (the browser test `e2e/tests/charts.test.mjs` measures it, and that no two texts of a
//! chart overlap). Every chart shows its title above it, wrapped (at most three lines).
//!
//! Invariants, tested below: the output is well-formed XML with no `style` attribute; every
//! chart is `role="img"` labelled by its `<title>` and described by a `<desc>` that lists the
//! data; every data mark has a `<title>` tooltip with its numbers; all caller text is escaped;
//! non-finite inputs count as missing, values outside the axis range are drawn clipped at its
//! edge, and neither `NaN` nor `inf` ever reaches the output. Colour never carries meaning
//! alone: signals are a distinct shape plus text, groups and series have legends.

use std::fmt::Write as _;

/// Writing to a `String` cannot fail.
macro_rules! w {
    ($($t:tt)*) => {{ let _ = write!($($t)*); }};
}

/// The translated strings and number format a chart needs; the module has no text of its own.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChartText {
    /// `true`: `7,5` (Dutch); `false`: `7.5`.
    pub decimal_comma: bool,
    pub no_data: String,
    /// A rule of the control chart fired ("significant change").
    pub signal: String,
    pub target: String,
    /// The shaded band around the score ("95% interval").
    pub interval: String,
    pub control_limits: String,
    /// The control chart's centre line ("average").
    pub centre: String,
    /// Legend of [`drivers`]' first bar.
    pub relative_weight: String,
    /// Legend of [`drivers`]' second bar.
    pub shapley: String,
    /// Decimals for values; `None`: from the axis span (0 for NPS's −100..100, 1 for 0..100,
    /// 2 for a 1..5 mean). Axis ticks always use the decimals of their step.
    pub decimals: Option<u8>,
}

/// One period of [`trend`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TrendPoint {
    pub label: String,
    pub value: Option<f64>,
    pub ci: Option<(f64, f64)>,
    pub n: u64,
    pub lcl: Option<f64>,
    pub ucl: Option<f64>,
    pub centre: Option<f64>,
    pub signal: bool,
}

/// One row of [`bars`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: Option<f64>,
    pub ci: Option<(f64, f64)>,
    pub n: u64,
    /// Shown beside the value, e.g. "n < 30"; the bar is drawn lighter.
    pub note: Option<String>,
    /// This row's own target (a unit's scorecard target): a marker across the bar.
    pub target: Option<f64>,
}

/// One driver of [`drivers`], both shares in percent.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DriverBar {
    pub label: String,
    pub relative_weight_pct: f64,
    pub shapley_pct: f64,
}

/// One point of [`matrix`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MatrixPoint {
    pub label: String,
    pub performance: f64,
    pub importance: f64,
    /// "act-here" | "keep-up" | "possible-overkill" | "low-priority".
    pub quadrant: String,
}

// ---------------------------------------------------------------------------------------------
// Look

const W: f64 = 480.0;
/// Axis and category labels: 13.5 px on a 390 px phone.
const FS: f64 = 20.0;
/// Legend, notes, annotations: 12 px on a 390 px phone.
const FS_SMALL: f64 = 18.0;
/// Average advance of a character, in em, for layout estimates (a little generous).
const EM: f64 = 0.62;

// Okabe–Ito.
const BLUE: &str = "#0072B2";
const ORANGE: &str = "#E69F00";
const GREEN: &str = "#009E73";
const VERMILLION: &str = "#D55E00";
const SKY: &str = "#56B4E9";
const PURPLE: &str = "#CC79A7";
const YELLOW: &str = "#F0E442";
const BLACK: &str = "#000000";
/// Text and rules, as admin.css' --ink, --muted and --line.
const INK: &str = "#1b1f24";
const MUTED: &str = "#4a5560";
const GRID: &str = "#d3d9df";
/// Categories in order; NPS gets detractor vermillion, passive orange, promoter blue
/// (never red against green).
const GROUPS: [&str; 7] = [VERMILLION, ORANGE, BLUE, GREEN, PURPLE, SKY, YELLOW];
/// A white outline behind text drawn over marks.
const HALO: &str =
    r##"paint-order="stroke" stroke="#fff" stroke-width="4" stroke-linejoin="round""##;
const TARGET_DASH: &str = "12 4 2 4";
const LIMIT_DASH: &str = "8 5";

// ---------------------------------------------------------------------------------------------
// Public charts

/// Line of the score per period with a shaded interval band, dashed control limits (stepped,
/// they vary with n), the centre line, an optional target line, and signal markers (a distinct
/// shape + text) where a rule fired.
pub fn trend(
    id: &str,
    title: &str,
    points: &[TrendPoint],
    y: (f64, f64),
    target: Option<f64>,
    t: &ChartText,
) -> String {
    let id = clean_id(id);
    let (lo, hi) = axis(y);
    let dec = decimals(t, hi - lo);
    let pts: Vec<Pt> = points.iter().map(Pt::new).collect();
    let target = target.and_then(fin);
    if pts.iter().all(|p| p.value.is_none()) {
        return empty(&id, "trend", title, t);
    }

    let mut desc = pts
        .iter()
        .map(|p| p.summary(dec, t))
        .collect::<Vec<_>>()
        .join("; ");
    if let Some(v) = target {
        w!(desc, "; {}: {}", t.target, num(v, dec, t));
    }

    let mut items = Vec::new();
    if pts.iter().any(|p| p.ci.is_some()) {
        items.push((Swatch::Band, t.interval.as_str()));
    }
    if pts.iter().any(|p| p.lcl.is_some() || p.ucl.is_some()) {
        items.push((
            Swatch::Line(ORANGE, 2.5, Some(LIMIT_DASH)),
            t.control_limits.as_str(),
        ));
    }
    if pts.iter().any(|p| p.centre.is_some()) {
        items.push((Swatch::Line(BLACK, 1.5, None), t.centre.as_str()));
    }
    if target.is_some() {
        items.push((
            Swatch::Line(PURPLE, 2.5, Some(TARGET_DASH)),
            t.target.as_str(),
        ));
    }
    if pts.iter().any(|p| p.signal && p.value.is_some()) {
        items.push((Swatch::Signal, t.signal.as_str()));
    }

    let mut b = String::new();
    let lh = legend(&mut b, &items, 8.0, 6.0, W - 8.0);
    let legend_bottom = 6.0 + lh;
    let top = legend_bottom + 14.0;
    let plot_h = 240.0;
    let bottom = top + plot_h;
    let h = bottom + 40.0;

    let (ticks, tdec) = nice_ticks(lo, hi, 6, false);
    let tick_text: Vec<String> = ticks.iter().map(|&v| num(v, tdec, t)).collect();
    let left = y_margin(&tick_text);
    let right = W - 16.0;
    let sy = Scale::new(lo, hi, bottom, top);
    let n = pts.len();
    let slot = (right - left) / n as f64;
    let px = |i: usize| left + slot * (i as f64 + 0.5);

    y_grid(&mut b, &ticks, &tick_text, &sy, left, right, lo, hi);
    w!(
        b,
        r#"<line class="axis-line" x1="{}" y1="{}" x2="{}" y2="{}" stroke="{MUTED}" stroke-width="1.5"/>"#,
        c(left),
        c(bottom),
        c(right),
        c(bottom)
    );
    let labels: Vec<&str> = pts.iter().map(|p| p.label).collect();
    x_labels(&mut b, &labels, left, slot, bottom);

    // Interval band: one polygon per run of periods with an interval; a lone one is a bar.
    let band_w = (slot * 0.6).clamp(2.0, 12.0);
    w!(b, r#"<g class="band" fill="{SKY}" opacity="0.4">"#);
    for run in runs(&pts, |p| p.ci.is_some()) {
        if run.len() == 1 {
            let i = run.start;
            let (l, u) = pts[i].ci.unwrap_or((lo, lo));
            let (y0, y1) = (sy.at(u), sy.at(l));
            w!(
                b,
                r#"<rect x="{}" y="{}" width="{}" height="{}"/>"#,
                c(px(i) - band_w / 2.0),
                c(y0),
                c(band_w),
                c((y1 - y0).max(1.0))
            );
            continue;
        }
        let mut d = String::new();
        for i in run.clone() {
            let u = pts[i].ci.map_or(lo, |ci| ci.1);
            w!(
                d,
                "{}{} {}",
                if d.is_empty() { "M" } else { " L" },
                c(px(i)),
                c(sy.at(u))
            );
        }
        for i in run.rev() {
            let l = pts[i].ci.map_or(lo, |ci| ci.0);
            w!(d, " L{} {}", c(px(i)), c(sy.at(l)));
        }
        w!(b, r#"<path d="{d} Z"/>"#);
    }
    b.push_str("</g>");

    // Control limits and centre line: steps, since they vary with each period's n.
    let limit_attrs = format!(
        r#"fill="none" stroke="{ORANGE}" stroke-width="2.5" stroke-dasharray="{LIMIT_DASH}""#
    );
    let limits: [fn(&Pt) -> Option<f64>; 2] = [|p| p.ucl, |p| p.lcl];
    for get in limits {
        let d = steps(&pts, get, &px, slot, &sy);
        if !d.is_empty() {
            w!(b, r#"<path class="limit" d="{d}" {limit_attrs}/>"#);
        }
    }
    let d = steps(&pts, |p| p.centre, &px, slot, &sy);
    if !d.is_empty() {
        w!(
            b,
            r#"<path class="centre" d="{d}" fill="none" stroke="{BLACK}" stroke-width="1.5"/>"#
        );
    }

    let mut placed: Vec<Rect> = Vec::new();
    if let Some(v) = target {
        let ty = sy.at(v);
        w!(
            b,
            r#"<line class="target" x1="{}" y1="{}" x2="{}" y2="{}" stroke="{PURPLE}" stroke-width="2.5" stroke-dasharray="{TARGET_DASH}"/>"#,
            c(left),
            c(ty),
            c(right),
            c(ty)
        );
        let label = format!("{} {}", t.target, num(v, dec, t));
        let (shown, _) = trunc(&label, 30);
        let tw = est(&shown, FS_SMALL);
        let ly = if ty - 6.0 - FS_SMALL < top {
            ty + FS_SMALL + 2.0
        } else {
            ty - 6.0
        };
        placed.push(Rect::text(right - 4.0, ly, Anchor::End, tw, FS_SMALL));
        text(
            &mut b,
            right - 4.0,
            ly,
            Anchor::End,
            FS_SMALL,
            &format!(r#"class="target-label" {HALO}"#),
            &label,
            30,
        );
    }

    // The score.
    let mut d = String::new();
    for run in runs(&pts, |p| p.value.is_some()) {
        if run.len() < 2 {
            continue;
        }
        for (k, i) in run.enumerate() {
            let v = pts[i].value.unwrap_or(lo);
            w!(
                d,
                "{}{} {}",
                if k == 0 { " M" } else { " L" },
                c(px(i)),
                c(sy.at(v))
            );
        }
    }
    if !d.is_empty() {
        w!(
            b,
            r#"<path class="line" d="{}" fill="none" stroke="{BLUE}" stroke-width="2.5" stroke-linejoin="round"/>"#,
            d.trim_start()
        );
    }
    let r = if slot < 10.0 { 2.5 } else { 4.5 };
    b.push_str(r#"<g class="points">"#);
    let mut signals = Vec::new();
    for (i, p) in pts.iter().enumerate() {
        let Some(v) = p.value else { continue };
        let (x, yv) = (px(i), sy.at(v));
        let tip = esc(&p.tooltip(dec, t));
        if p.signal {
            signals.push((x, yv));
            w!(
                b,
                r#"<path class="mark signal" d="{}" fill="{VERMILLION}" stroke="{BLACK}" stroke-width="1"><title>{tip}</title></path>"#,
                shape(Shape::Triangle, x, yv, 9.0)
            );
        } else {
            w!(
                b,
                r##"<circle class="mark" cx="{}" cy="{}" r="{r}" fill="{BLUE}" stroke="#fff" stroke-width="1"><title>{tip}</title></circle>"##,
                c(x),
                c(yv)
            );
        }
    }
    b.push_str("</g>");

    // Signal text next to each marker, where it fits without covering another.
    if !signals.is_empty() {
        let (shown, _) = trunc(&t.signal, 24);
        let tw = est(&shown, FS_SMALL);
        w!(
            b,
            r#"<g class="signal-labels" font-size="{FS_SMALL}" font-weight="600" text-anchor="middle">"#
        );
        let bounds = Rect {
            x0: 0.0,
            y0: legend_bottom,
            x1: W,
            y1: bottom - 2.0,
        };
        for (x, yv) in signals {
            let x = x.clamp(tw / 2.0 + 2.0, W - tw / 2.0 - 2.0);
            let candidates = [yv - 15.0, yv + 16.0 + FS_SMALL * 0.8];
            let spot = candidates.into_iter().find_map(|ly| {
                let rect = Rect::text(x, ly, Anchor::Middle, tw, FS_SMALL);
                (rect.inside(&bounds) && placed.iter().all(|o| rect.overlap(o) == 0.0))
                    .then_some((ly, rect))
            });
            if let Some((ly, rect)) = spot {
                placed.push(rect);
                w!(
                    b,
                    r#"<text class="signal-label" x="{}" y="{}" {HALO}>{}</text>"#,
                    c(x),
                    c(ly),
                    esc(&shown)
                );
            }
        }
        b.push_str("</g>");
    }

    finish(&id, "trend", title, &desc, h, &b)
}

/// Horizontal bars with interval whiskers and an optional target line (breakdown by
/// unit/touchpoint/channel, organisation overview). Zero line when the range spans negatives.
pub fn bars(
    id: &str,
    title: &str,
    rows: &[Bar],
    x: (f64, f64),
    target: Option<f64>,
    t: &ChartText,
) -> String {
    let id = clean_id(id);
    let (lo, hi) = axis(x);
    let dec = decimals(t, hi - lo);
    let target = target.and_then(fin);
    // Each row with its finite value and ordered interval.
    type Row<'a> = (&'a Bar, Option<f64>, Option<(f64, f64)>);
    let rows: Vec<Row> = rows
        .iter()
        .map(|r| (r, r.value.and_then(fin), ci(r.ci)))
        .collect();
    if rows.iter().all(|r| r.1.is_none()) {
        return empty(&id, "bars", title, t);
    }

    let mut desc = rows
        .iter()
        .map(|&(r, v, ci)| {
            let mut s = format!("{}: {}", r.label, opt_num(v, dec, t));
            if let Some((l, u)) = ci {
                w!(s, " ({} {})", t.interval, span(l, u, dec, t));
            }
            w!(s, ", n = {}", r.n);
            if let Some(goal) = r.target.and_then(fin) {
                w!(s, ", {} {}", t.target, num(goal, dec, t));
            }
            if let Some(note) = &r.note {
                w!(s, ", {note}");
            }
            s
        })
        .collect::<Vec<_>>()
        .join("; ");
    if let Some(v) = target {
        w!(desc, "; {}: {}", t.target, num(v, dec, t));
    }

    let any_note = rows.iter().any(|r| r.0.note.is_some());
    let row_h = if any_note { 52.0 } else { 36.0 };
    let value_text: Vec<String> = rows.iter().map(|r| opt_num(r.1, dec, t)).collect();
    let val_w = rows
        .iter()
        .zip(&value_text)
        .map(|(r, v)| {
            let note =
                r.0.note
                    .as_deref()
                    .map_or(0.0, |n| est(&trunc(n, 12).0, FS_SMALL));
            est(v, FS).max(note)
        })
        .fold(0.0, f64::max)
        .clamp(40.0, 170.0);
    let (label_w, label_chars) = label_column(rows.iter().map(|r| r.0.label.as_str()));
    let left = label_w + 12.0;
    let right = W - val_w - 20.0;
    let mut b = String::new();
    // Rows with their own targets get a legend line for the marker.
    let row_targets = rows.iter().any(|r| r.0.target.and_then(fin).is_some());
    let legend_h = if row_targets {
        legend(
            &mut b,
            &[(Swatch::Line(PURPLE, 3.0, None), t.target.as_str())],
            8.0,
            2.0,
            W - 8.0,
        ) + 4.0
    } else {
        0.0
    };
    let top = legend_h
        + if target.is_some() {
            12.0 + FS_SMALL
        } else {
            8.0
        };
    let bottom = top + rows.len() as f64 * row_h;
    let h = bottom + 38.0;
    let sx = Scale::new(lo, hi, left, right);

    x_grid(&mut b, lo, hi, &sx, top, bottom, "", t);
    let base = sx.at(baseline(lo, hi));
    for (k, (&(r, v, ci), vt)) in rows.iter().zip(&value_text).enumerate() {
        let mid = top + row_h * (k as f64 + 0.5);
        text(
            &mut b,
            left - 10.0,
            mid + 7.0,
            Anchor::End,
            FS,
            "",
            &r.label,
            label_chars,
        );
        let mut tip = format!("{}: {}", r.label, opt_num(v, dec, t));
        if let Some((l, u)) = ci {
            w!(tip, "; {} {}", t.interval, span(l, u, dec, t));
        }
        w!(tip, "; n = {}", r.n);
        if let Some(note) = &r.note {
            w!(tip, "; {note}");
        }
        w!(
            b,
            r#"<g class="mark"{}><title>{}</title>"#,
            if r.note.is_some() {
                r#" opacity="0.6""#
            } else {
                ""
            },
            esc(&tip)
        );
        if let Some(v) = v {
            let xv = sx.at(v);
            w!(
                b,
                r#"<rect x="{}" y="{}" width="{}" height="20" fill="{BLUE}"/>"#,
                c(xv.min(base)),
                c(mid - 10.0),
                c((xv - base).abs())
            );
        } else {
            w!(
                b,
                r##"<rect x="{}" y="{}" width="{}" height="20" fill="#fff" fill-opacity="0"/>"##,
                c(left),
                c(mid - 10.0),
                c(right - left)
            );
        }
        if let Some((l, u)) = ci {
            whisker_h(&mut b, sx.at(l), sx.at(u), mid, 12.0);
        }
        b.push_str("</g>");
        if let Some(goal) = r.target.and_then(fin) {
            // A diamond on a short bar across the row: the target, in the target's colour and
            // dash, with its own tooltip (colour is never the only cue: shape and text too).
            let gx = sx.at(goal.clamp(lo, hi));
            w!(
                b,
                r#"<g class="row-target"><title>{}</title><line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{PURPLE}" stroke-width="3"/>{}</g>"#,
                esc(&format!("{}: {} {}", r.label, t.target, num(goal, dec, t))),
                c(gx),
                c(mid - 15.0),
                c(gx),
                c(mid + 15.0),
                format!(
                    r##"<path d="{}" fill="{PURPLE}" stroke="#fff" stroke-width="1"/>"##,
                    shape(Shape::Diamond, gx, mid - 15.0, 6.0)
                ),
            );
        }
        let vy = if r.note.is_some() {
            mid - 5.0
        } else {
            mid + 7.0
        };
        text(
            &mut b,
            W - 8.0,
            vy,
            Anchor::End,
            FS,
            r#"class="value""#,
            vt,
            40,
        );
        if let Some(note) = &r.note {
            text(
                &mut b,
                W - 8.0,
                mid + 20.0,
                Anchor::End,
                FS_SMALL,
                &format!(r#"class="bar-note" fill="{MUTED}""#),
                note,
                12,
            );
        }
    }
    if let Some(v) = target {
        let tx = sx.at(v);
        w!(
            b,
            r#"<line class="target" x1="{}" y1="{}" x2="{}" y2="{}" stroke="{PURPLE}" stroke-width="2.5" stroke-dasharray="{TARGET_DASH}"/>"#,
            c(tx),
            c(top - 4.0),
            c(tx),
            c(bottom)
        );
        let label = format!("{} {}", t.target, num(v, dec, t));
        let (shown, _) = trunc(&label, 30);
        let half = est(&shown, FS_SMALL) / 2.0;
        text(
            &mut b,
            tx.clamp(half + 2.0, W - half - 2.0),
            top - 8.0,
            Anchor::Middle,
            FS_SMALL,
            r#"class="target-label""#,
            &label,
            30,
        );
    }
    finish(&id, "bars", title, &desc, h, &b)
}

/// Distribution of answers per scale point as vertical bars; `groups` colours points by
/// category (e.g. NPS detractor 0–6 / passive 7–8 / promoter 9–10) with a legend that names
/// each group's range, so colour is never the only cue.
pub fn distribution(
    id: &str,
    title: &str,
    labels: &[String],
    counts: &[u64],
    groups: &[(usize, usize, String)],
    t: &ChartText,
) -> String {
    let id = clean_id(id);
    let n = labels.len().min(counts.len());
    let total: u128 = counts[..n].iter().map(|&k| u128::from(k)).sum();
    if n == 0 || total == 0 {
        return empty(&id, "distribution", title, t);
    }
    let total_f = total as f64;
    // Valid groups, clipped to the scale; a point belongs to the first group that has it.
    let groups: Vec<(usize, usize, &str)> = groups
        .iter()
        .filter_map(|(a, z, name)| {
            let (a, z) = ((*a).min(*z), (*a).max(*z));
            (a < n).then_some((a, z.min(n - 1), name.as_str()))
        })
        .collect();
    let group_of = |i: usize| groups.iter().position(|g| g.0 <= i && i <= g.1);
    let colour = |i: usize| match group_of(i) {
        Some(g) => GROUPS[g % GROUPS.len()],
        None if groups.is_empty() => BLUE,
        None => SKY,
    };
    let pct = |k: u128| num(k as f64 / total_f * 100.0, 1, t);

    let mut desc = (0..n)
        .map(|i| format!("{}: {} ({}%)", labels[i], counts[i], pct(counts[i].into())))
        .collect::<Vec<_>>()
        .join("; ");
    let names: Vec<String> = groups
        .iter()
        .map(|&(a, z, name)| {
            if a == z {
                format!("{name} ({})", labels[a])
            } else {
                format!("{name} ({}–{})", labels[a], labels[z])
            }
        })
        .collect();
    for (g, name) in groups.iter().zip(&names) {
        let k: u128 = counts[g.0..=g.1].iter().map(|&k| u128::from(k)).sum();
        w!(desc, "; {name}: {k} ({}%)", pct(k));
    }

    let mut b = String::new();
    let items: Vec<(Swatch, &str)> = names
        .iter()
        .enumerate()
        .map(|(g, name)| (Swatch::Fill(GROUPS[g % GROUPS.len()]), name.as_str()))
        .collect();
    let lh = legend(&mut b, &items, 8.0, 6.0, W - 8.0);
    let top = 6.0 + lh + 10.0 + FS_SMALL;
    let plot_h = 200.0;
    let bottom = top + plot_h;
    let h = bottom + 40.0;
    let max = counts[..n].iter().copied().max().unwrap_or(0) as f64;
    let (lo, hi) = nice_extend(0.0, max, 5, true);
    let (ticks, tdec) = nice_ticks(lo, hi, 6, true);
    let tick_text: Vec<String> = ticks.iter().map(|&v| num(v, tdec, t)).collect();
    let left = y_margin(&tick_text);
    let right = W - 12.0;
    let sy = Scale::new(lo, hi, bottom, top);
    let slot = (right - left) / n as f64;
    y_grid(&mut b, &ticks, &tick_text, &sy, left, right, lo, hi);

    let bw = (slot * 0.72).max(1.0);
    b.push_str(r#"<g class="bars">"#);
    for i in 0..n {
        let x = left + slot * (i as f64 + 0.5);
        let yv = sy.at(counts[i] as f64);
        let mut tip = format!("{}: {} ({}%)", labels[i], counts[i], pct(counts[i].into()));
        if let Some(g) = group_of(i) {
            w!(tip, "; {}", groups[g].2);
        }
        w!(
            b,
            r#"<rect class="mark" x="{}" y="{}" width="{}" height="{}" fill="{}" stroke="{INK}" stroke-width="0.5"><title>{}</title></rect>"#,
            c(x - bw / 2.0),
            c(yv),
            c(bw),
            c(bottom - yv),
            colour(i),
            esc(&tip)
        );
    }
    b.push_str("</g>");
    // Counts above the bars, where they fit their slot.
    w!(
        b,
        r#"<g class="values" font-size="{FS_SMALL}" text-anchor="middle">"#
    );
    for (i, &k) in counts[..n].iter().enumerate() {
        let s = k.to_string();
        if est(&s, FS_SMALL) <= slot - 2.0 {
            let x = left + slot * (i as f64 + 0.5);
            w!(
                b,
                r#"<text x="{}" y="{}">{s}</text>"#,
                c(x),
                c(sy.at(k as f64) - 6.0)
            );
        }
    }
    b.push_str("</g>");
    w!(
        b,
        r#"<line class="axis-line" x1="{}" y1="{}" x2="{}" y2="{}" stroke="{MUTED}" stroke-width="1.5"/>"#,
        c(left),
        c(bottom),
        c(right),
        c(bottom)
    );
    let labels: Vec<&str> = labels[..n].iter().map(String::as_str).collect();
    x_labels(&mut b, &labels, left, slot, bottom);
    finish(&id, "distribution", title, &desc, h, &b)
}

/// Paired horizontal bars: relative weight and Shapley share per driver, sorted as given.
/// The first bar of each pair is always the relative weight (solid blue), the second the
/// Shapley share (orange, outlined); both values are written beside the pair.
pub fn drivers(id: &str, title: &str, rows: &[DriverBar], t: &ChartText) -> String {
    let id = clean_id(id);
    if rows.is_empty() {
        return empty(&id, "drivers", title, t);
    }
    let dec = t.decimals.map_or(1, usize::from).min(6);
    let clampv = |v: f64| fin(v).map(|v| v.clamp(-1e6, 1e6));
    let vals: Vec<(Option<f64>, Option<f64>)> = rows
        .iter()
        .map(|r| (clampv(r.relative_weight_pct), clampv(r.shapley_pct)))
        .collect();
    if vals.iter().all(|v| v.0.is_none() && v.1.is_none()) {
        return empty(&id, "drivers", title, t);
    }
    let all = vals.iter().flat_map(|v| [v.0, v.1]).flatten();
    let (mn, mx) = all.fold((0.0f64, 0.0f64), |(a, z), v| (a.min(v), z.max(v)));
    let (lo, hi) = if mx - mn <= 0.0 {
        (0.0, 10.0)
    } else {
        nice_extend(mn, mx, 5, false)
    };
    let pc = |v: Option<f64>| match v {
        Some(v) => format!("{}%", num(v, dec, t)),
        None => "–".to_owned(),
    };

    let desc = rows
        .iter()
        .zip(&vals)
        .map(|(r, v)| {
            format!(
                "{}: {} {}, {} {}",
                r.label,
                t.relative_weight,
                pc(v.0),
                t.shapley,
                pc(v.1)
            )
        })
        .collect::<Vec<_>>()
        .join("; ");

    let mut b = String::new();
    let items = [
        (Swatch::Fill(BLUE), t.relative_weight.as_str()),
        (Swatch::Fill(ORANGE), t.shapley.as_str()),
    ];
    let lh = legend(&mut b, &items, 8.0, 6.0, W - 8.0);
    let top = 6.0 + lh + 8.0;
    // Two bars a row with their values beside them, far enough apart that the two value
    // texts (FS_SMALL high) never touch.
    let row_h = 60.0;
    let texts: Vec<(String, String)> = vals.iter().map(|v| (pc(v.0), pc(v.1))).collect();
    let val_w = texts
        .iter()
        .map(|(a, z)| est(a, FS_SMALL).max(est(z, FS_SMALL)))
        .fold(0.0, f64::max)
        .clamp(40.0, 170.0);
    let (label_w, label_chars) = label_column(rows.iter().map(|r| r.label.as_str()));
    let left = label_w + 12.0;
    let right = W - val_w - 20.0;
    let bottom = top + rows.len() as f64 * row_h;
    let h = bottom + 38.0;
    let sx = Scale::new(lo, hi, left, right);
    x_grid(&mut b, lo, hi, &sx, top, bottom, "%", t);
    let base = sx.at(baseline(lo, hi));
    for (k, ((r, v), (ta, tz))) in rows.iter().zip(&vals).zip(&texts).enumerate() {
        let mid = top + row_h * (k as f64 + 0.5);
        text(
            &mut b,
            left - 10.0,
            mid + 7.0,
            Anchor::End,
            FS,
            "",
            &r.label,
            label_chars,
        );
        for (j, (val, name, txt)) in [(v.0, &t.relative_weight, ta), (v.1, &t.shapley, tz)]
            .into_iter()
            .enumerate()
        {
            let y0 = if j == 0 { mid - 20.0 } else { mid + 6.0 };
            let tip = esc(&format!("{}: {} {}", r.label, name, txt));
            let (fill, stroke) = if j == 0 { (BLUE, BLUE) } else { (ORANGE, INK) };
            let (x0, wd) = match val {
                Some(v) => {
                    let xv = sx.at(v);
                    (xv.min(base), (xv - base).abs())
                }
                None => (base, 0.0),
            };
            w!(
                b,
                r#"<rect class="mark" x="{}" y="{}" width="{}" height="14" fill="{fill}" stroke="{stroke}" stroke-width="1"><title>{tip}</title></rect>"#,
                c(x0),
                c(y0),
                c(wd)
            );
            text(
                &mut b,
                W - 8.0,
                y0 + 13.0,
                Anchor::End,
                FS_SMALL,
                r#"class="value""#,
                txt,
                40,
            );
        }
    }
    finish(&id, "drivers", title, &desc, h, &b)
}

/// Importance–performance scatter with the split lines at the given means and the four
/// quadrant names (passed in `quadrant_names`, in the order act-here, keep-up,
/// possible-overkill, low-priority) in the corners; each point labelled. Each quadrant also
/// has its own marker shape and colour.
#[allow(clippy::too_many_arguments)]
pub fn matrix(
    id: &str,
    title: &str,
    points: &[MatrixPoint],
    split: (f64, f64),
    x_label: &str,
    y_label: &str,
    quadrant_names: [&str; 4],
    t: &ChartText,
) -> String {
    let id = clean_id(id);
    let clampv = |v: f64| fin(v).map(|v| v.clamp(-1e9, 1e9));
    let pts: Vec<(&MatrixPoint, f64, f64)> = points
        .iter()
        .filter_map(|p| Some((p, clampv(p.performance)?, clampv(p.importance)?)))
        .collect();
    if pts.is_empty() {
        return empty(&id, "matrix", title, t);
    }
    let split = (clampv(split.0), clampv(split.1));
    let bounds = |vals: &mut dyn Iterator<Item = f64>| {
        let (a, z) = vals.fold((f64::MAX, f64::MIN), |(a, z), v| (a.min(v), z.max(v)));
        let pad = ((z - a) * 0.08).max(z.abs().max(a.abs()) * 0.02).max(1e-6);
        nice_extend(a - pad, z + pad, 5, false)
    };
    let (xlo, xhi) = bounds(&mut pts.iter().map(|p| p.1).chain(split.0));
    let (ylo, yhi) = bounds(&mut pts.iter().map(|p| p.2).chain(split.1));
    let dec_x = decimals(t, xhi - xlo);
    let dec_y = decimals(t, yhi - ylo);
    const KEYS: [&str; 4] = ["act-here", "keep-up", "possible-overkill", "low-priority"];
    const LOOK: [(Shape, &str); 4] = [
        (Shape::Diamond, VERMILLION),
        (Shape::Circle, BLUE),
        (Shape::Square, ORANGE),
        (Shape::Triangle, PURPLE),
    ];
    let quad = |p: &MatrixPoint| KEYS.iter().position(|k| *k == p.quadrant);
    let describe = |p: &(&MatrixPoint, f64, f64)| {
        format!(
            "{} ({} {}, {} {})",
            p.0.label,
            x_label,
            num(p.1, dec_x, t),
            y_label,
            num(p.2, dec_y, t)
        )
    };

    let mut parts = Vec::new();
    for (q, name) in quadrant_names.iter().enumerate() {
        let members: Vec<String> = pts
            .iter()
            .filter(|p| quad(p.0) == Some(q))
            .map(describe)
            .collect();
        if !members.is_empty() {
            parts.push(format!("{name}: {}", members.join(", ")));
        }
    }
    let rest: Vec<String> = pts
        .iter()
        .filter(|p| quad(p.0).is_none())
        .map(describe)
        .collect();
    if !rest.is_empty() {
        parts.push(rest.join(", "));
    }
    let mut desc = parts.join("; ");
    if let (Some(sx), Some(sy)) = split {
        w!(
            desc,
            "; {x_label} = {}, {y_label} = {}",
            num(sx, dec_x, t),
            num(sy, dec_y, t)
        );
    }

    let h = 500.0;
    let (xt, xdec) = nice_ticks(xlo, xhi, 6, false);
    let (yt, ydec) = nice_ticks(ylo, yhi, 6, false);
    let yt_text: Vec<String> = yt.iter().map(|&v| num(v, ydec, t)).collect();
    let left = y_margin(&yt_text) + FS + 8.0;
    let right = W - 14.0;
    let top = 12.0;
    let bottom = h - 2.0 * FS - 26.0;
    let sx = Scale::new(xlo, xhi, left, right);
    let sy = Scale::new(ylo, yhi, bottom, top);

    let mut b = String::new();
    y_grid(&mut b, &yt, &yt_text, &sy, left, right, ylo, yhi);
    // Vertical grid and x ticks, thinned to fit.
    let xt_text: Vec<String> = xt.iter().map(|&v| num(v, xdec, t)).collect();
    let widest = xt_text.iter().map(|s| est(s, FS)).fold(0.0, f64::max) + 12.0;
    let gap = if xt.len() > 1 {
        (sx.at(xt[1]) - sx.at(xt[0])).abs()
    } else {
        W
    };
    let every = ((widest / gap.max(1.0)).ceil() as usize).max(1);
    w!(b, r#"<g class="grid" stroke="{GRID}" stroke-width="1">"#);
    for &v in &xt {
        w!(
            b,
            r#"<line x1="{}" y1="{}" x2="{}" y2="{}"/>"#,
            c(sx.at(v)),
            c(top),
            c(sx.at(v)),
            c(bottom)
        );
    }
    b.push_str("</g>");
    w!(
        b,
        r#"<g class="axis x" text-anchor="middle" fill="{MUTED}">"#
    );
    for (k, (&v, s)) in xt.iter().zip(&xt_text).enumerate() {
        if k % every == 0 {
            let half = est(s, FS) / 2.0;
            w!(
                b,
                r#"<text x="{}" y="{}">{}</text>"#,
                c(sx.at(v).max(left + half - 4.0).min(W - half - 2.0)),
                c(bottom + FS + 4.0),
                esc(s)
            );
        }
    }
    b.push_str("</g>");
    w!(
        b,
        r#"<rect class="frame" x="{}" y="{}" width="{}" height="{}" fill="none" stroke="{MUTED}" stroke-width="1"/>"#,
        c(left),
        c(top),
        c(right - left),
        c(bottom - top)
    );
    // Axis names.
    text(
        &mut b,
        (left + right) / 2.0,
        h - 10.0,
        Anchor::Middle,
        FS,
        r#"class="axis-label" font-weight="600""#,
        x_label,
        50,
    );
    let ymid = (top + bottom) / 2.0;
    text(
        &mut b,
        FS + 2.0,
        ymid,
        Anchor::Middle,
        FS,
        &format!(
            r#"class="axis-label" font-weight="600" transform="rotate(-90 {} {})""#,
            c(FS + 2.0),
            c(ymid)
        ),
        y_label,
        36,
    );
    // Split lines at the means.
    if let Some(v) = split.0 {
        let x = sx.at(v);
        w!(
            b,
            r#"<line class="split" x1="{}" y1="{}" x2="{}" y2="{}" stroke="{BLACK}" stroke-width="1.5" stroke-dasharray="6 4"/>"#,
            c(x),
            c(top),
            c(x),
            c(bottom)
        );
    }
    if let Some(v) = split.1 {
        let y = sy.at(v);
        w!(
            b,
            r#"<line class="split" x1="{}" y1="{}" x2="{}" y2="{}" stroke="{BLACK}" stroke-width="1.5" stroke-dasharray="6 4"/>"#,
            c(left),
            c(y),
            c(right),
            c(y)
        );
    }
    // Quadrant names in the corners: act-here top left, keep-up top right, possible-overkill
    // bottom right, low-priority bottom left.
    let mut placed: Vec<Rect> = Vec::new();
    let half_chars = (((right - left) / 2.0 - 12.0) / (EM * FS_SMALL)).max(3.0) as usize;
    let corners = [
        (left + 6.0, top + FS_SMALL + 2.0, Anchor::Start),
        (right - 6.0, top + FS_SMALL + 2.0, Anchor::End),
        (right - 6.0, bottom - 8.0, Anchor::End),
        (left + 6.0, bottom - 8.0, Anchor::Start),
    ];
    w!(
        b,
        r#"<g class="quadrants" font-size="{FS_SMALL}" font-weight="600" fill="{MUTED}">"#
    );
    for (name, (x, y, anchor)) in quadrant_names.iter().zip(corners) {
        let (shown, _) = trunc(name, half_chars);
        placed.push(Rect::text(x, y, anchor, est(&shown, FS_SMALL), FS_SMALL));
        text(&mut b, x, y, anchor, FS_SMALL, HALO, name, half_chars);
    }
    b.push_str("</g>");

    // Points, then their labels placed greedily where they cover nothing placed before.
    let r = 7.0;
    let pos: Vec<(f64, f64)> = pts.iter().map(|p| (sx.at(p.1), sy.at(p.2))).collect();
    b.push_str(r#"<g class="points">"#);
    for (p, &(x, y)) in pts.iter().zip(&pos) {
        let (sh, fill) = quad(p.0).map_or((Shape::Circle, BLACK), |q| LOOK[q]);
        let mut tip = describe(p);
        if let Some(q) = quad(p.0) {
            w!(tip, "; {}", quadrant_names[q]);
        }
        w!(
            b,
            r##"<path class="mark" d="{}" fill="{fill}" stroke="#fff" stroke-width="1.5"><title>{}</title></path>"##,
            shape(sh, x, y, r),
            esc(&tip)
        );
    }
    b.push_str("</g>");
    let marks: Vec<Rect> = pos
        .iter()
        .map(|&(x, y)| Rect {
            x0: x - r,
            y0: y - r,
            x1: x + r,
            y1: y + r,
        })
        .collect();
    let plot = Rect {
        x0: left + 1.0,
        y0: top + 1.0,
        x1: right - 1.0,
        y1: bottom - 1.0,
    };
    w!(b, r#"<g class="point-labels" font-size="{FS_SMALL}">"#);
    for (k, (p, &(x, y))) in pts.iter().zip(&pos).enumerate() {
        let (shown, _) = trunc(&p.0.label, 20);
        let tw = est(&shown, FS_SMALL);
        let cands = [
            (x + r + 4.0, y + 6.0, Anchor::Start),
            (x - r - 4.0, y + 6.0, Anchor::End),
            (x, y - r - 5.0, Anchor::Middle),
            (x, y + r + 4.0 + FS_SMALL * 0.8, Anchor::Middle),
            (x + r + 2.0, y - r - 4.0, Anchor::Start),
            (x - r - 2.0, y - r - 4.0, Anchor::End),
            (x + r + 2.0, y + r + 2.0 + FS_SMALL * 0.8, Anchor::Start),
            (x - r - 2.0, y + r + 2.0 + FS_SMALL * 0.8, Anchor::End),
            (x, y - r - 5.0 - FS_SMALL, Anchor::Middle),
            (x, y + r + 4.0 + FS_SMALL * 1.8, Anchor::Middle),
        ];
        // What a label would cover: names and labels placed so far, other points' markers
        // (its own sits beside every candidate by construction), the plot's edge.
        let cost = |rect: &Rect| -> f64 {
            let outside = if rect.inside(&plot) { 0.0 } else { 1e9 };
            let marks = marks.iter().enumerate().filter(|m| m.0 != k);
            outside
                + placed.iter().map(|o| rect.overlap(o)).sum::<f64>()
                + marks.map(|(_, o)| rect.overlap(o)).sum::<f64>()
        };
        let best = cands
            .iter()
            .map(|&(lx, ly, a)| {
                let rect = Rect::text(lx, ly, a, tw, FS_SMALL);
                (cost(&rect), lx, ly, a, rect)
            })
            .min_by(|p, q| p.0.total_cmp(&q.0));
        if let Some((_, lx, ly, a, rect)) = best {
            placed.push(rect);
            text(&mut b, lx, ly, a, FS_SMALL, HALO, &p.0.label, 20);
        }
    }
    b.push_str("</g>");
    finish(&id, "matrix", title, &desc, h, &b)
}

// ---------------------------------------------------------------------------------------------
// Layout helpers

/// A trend point with non-finite numbers dropped and intervals ordered.
struct Pt<'a> {
    label: &'a str,
    value: Option<f64>,
    ci: Option<(f64, f64)>,
    n: u64,
    lcl: Option<f64>,
    ucl: Option<f64>,
    centre: Option<f64>,
    signal: bool,
}

impl<'a> Pt<'a> {
    fn new(p: &'a TrendPoint) -> Self {
        Pt {
            label: &p.label,
            value: p.value.and_then(fin),
            ci: ci(p.ci),
            n: p.n,
            lcl: p.lcl.and_then(fin),
            ucl: p.ucl.and_then(fin),
            centre: p.centre.and_then(fin),
            signal: p.signal,
        }
    }

    /// "2025-03: 42.0 (95% interval 38.1–45.9), n = 120 – significant change"
    fn summary(&self, dec: usize, t: &ChartText) -> String {
        let Some(v) = self.value else {
            return format!("{}: {}", self.label, t.no_data);
        };
        let mut s = format!("{}: {}", self.label, num(v, dec, t));
        if let Some((l, u)) = self.ci {
            w!(s, " ({} {})", t.interval, span(l, u, dec, t));
        }
        w!(s, ", n = {}", self.n);
        if self.signal {
            w!(s, " – {}", t.signal);
        }
        s
    }

    fn tooltip(&self, dec: usize, t: &ChartText) -> String {
        let mut s = self.summary(dec, t);
        if self.lcl.is_some() || self.ucl.is_some() {
            w!(
                s,
                "; {} {}",
                t.control_limits,
                span_opt(self.lcl, self.ucl, dec, t)
            );
        }
        s
    }
}

/// Maps a value on `lo..hi` to a coordinate on `a..b`, clipping to the range.
struct Scale {
    lo: f64,
    hi: f64,
    a: f64,
    b: f64,
}

impl Scale {
    fn new(lo: f64, hi: f64, a: f64, b: f64) -> Self {
        Scale { lo, hi, a, b }
    }

    fn at(&self, v: f64) -> f64 {
        let f = (v.clamp(self.lo, self.hi) - self.lo) / (self.hi - self.lo);
        self.a + f * (self.b - self.a)
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Anchor {
    Start,
    Middle,
    End,
}

impl Anchor {
    fn attr(self) -> &'static str {
        match self {
            Anchor::Start => "start",
            Anchor::Middle => "middle",
            Anchor::End => "end",
        }
    }
}

/// A box for overlap checks.
#[derive(Clone, Copy, Debug)]
struct Rect {
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
}

impl Rect {
    /// The estimated box of a text of width `w` with its baseline at `y`.
    fn text(x: f64, y: f64, anchor: Anchor, w: f64, fs: f64) -> Rect {
        let x0 = match anchor {
            Anchor::Start => x,
            Anchor::Middle => x - w / 2.0,
            Anchor::End => x - w,
        };
        Rect {
            x0,
            y0: y - fs * 0.8,
            x1: x0 + w,
            y1: y + fs * 0.25,
        }
    }

    fn overlap(&self, o: &Rect) -> f64 {
        let w = (self.x1.min(o.x1) - self.x0.max(o.x0)).max(0.0);
        let h = (self.y1.min(o.y1) - self.y0.max(o.y0)).max(0.0);
        w * h
    }

    fn inside(&self, o: &Rect) -> bool {
        self.x0 >= o.x0 && self.x1 <= o.x1 && self.y0 >= o.y0 && self.y1 <= o.y1
    }
}

#[derive(Clone, Copy)]
enum Shape {
    Circle,
    Diamond,
    Square,
    Triangle,
}

/// Path data of a marker of radius `r` centred on (x, y).
fn shape(s: Shape, x: f64, y: f64, r: f64) -> String {
    match s {
        Shape::Circle => format!(
            "M{} {} a{r} {r} 0 1 0 {} 0 a{r} {r} 0 1 0 {} 0 Z",
            c(x - r),
            c(y),
            c(2.0 * r),
            c(-2.0 * r)
        ),
        Shape::Diamond => {
            let r = r * 1.2;
            format!(
                "M{} {} L{} {} L{} {} L{} {} Z",
                c(x),
                c(y - r),
                c(x + r),
                c(y),
                c(x),
                c(y + r),
                c(x - r),
                c(y)
            )
        }
        Shape::Square => {
            let r = r * 0.85;
            format!(
                "M{} {} H{} V{} H{} Z",
                c(x - r),
                c(y - r),
                c(x + r),
                c(y + r),
                c(x - r)
            )
        }
        Shape::Triangle => format!(
            "M{} {} L{} {} L{} {} Z",
            c(x),
            c(y - r * 1.1),
            c(x + r),
            c(y + r * 0.7),
            c(x - r),
            c(y + r * 0.7)
        ),
    }
}

enum Swatch {
    /// Stroke colour, width, dash pattern.
    Line(&'static str, f64, Option<&'static str>),
    Fill(&'static str),
    Band,
    Signal,
}

/// A legend that wraps onto more rows when it does not fit; returns its height.
fn legend(out: &mut String, items: &[(Swatch, &str)], x0: f64, y0: f64, x_max: f64) -> f64 {
    if items.is_empty() {
        return 0.0;
    }
    let (row_h, sw) = (28.0, 26.0);
    let max_chars = (((x_max - x0 - sw - 8.0) / (EM * FS_SMALL)).max(4.0)) as usize;
    let (mut x, mut y, mut rows) = (x0, y0, 1.0);
    w!(out, r#"<g class="legend" font-size="{FS_SMALL}">"#);
    for (swatch, label) in items {
        let (shown, _) = trunc(label, max_chars);
        let wd = sw + 6.0 + est(&shown, FS_SMALL);
        if x > x0 && x + wd > x_max {
            x = x0;
            y += row_h;
            rows += 1.0;
        }
        let cy = y + row_h / 2.0;
        match swatch {
            Swatch::Line(stroke, width, dash) => w!(
                out,
                r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{stroke}" stroke-width="{width}"{}/>"#,
                c(x),
                c(cy),
                c(x + sw),
                c(cy),
                dash.map(|d| format!(r#" stroke-dasharray="{d}""#))
                    .unwrap_or_default()
            ),
            Swatch::Fill(fill) => w!(
                out,
                r#"<rect x="{}" y="{}" width="{sw}" height="14" fill="{fill}" stroke="{INK}" stroke-width="0.5"/>"#,
                c(x),
                c(cy - 7.0)
            ),
            Swatch::Band => w!(
                out,
                r#"<rect x="{}" y="{}" width="{sw}" height="14" fill="{SKY}" opacity="0.4"/>"#,
                c(x),
                c(cy - 7.0)
            ),
            Swatch::Signal => w!(
                out,
                r#"<path d="{}" fill="{VERMILLION}" stroke="{BLACK}" stroke-width="1"/>"#,
                shape(Shape::Triangle, x + sw / 2.0, cy + 1.0, 8.0)
            ),
        }
        text(
            out,
            x + sw + 6.0,
            cy + 6.0,
            Anchor::Start,
            FS_SMALL,
            "",
            label,
            max_chars,
        );
        x += wd + 18.0;
    }
    out.push_str("</g>");
    rows * row_h
}

/// Horizontal grid lines with their labels left of the plot; a darker zero line when the
/// range spans zero.
#[allow(clippy::too_many_arguments)]
fn y_grid(
    out: &mut String,
    ticks: &[f64],
    labels: &[String],
    sy: &Scale,
    left: f64,
    right: f64,
    lo: f64,
    hi: f64,
) {
    w!(out, r#"<g class="grid" stroke="{GRID}" stroke-width="1">"#);
    for &v in ticks {
        let y = sy.at(v);
        w!(
            out,
            r#"<line x1="{}" y1="{}" x2="{}" y2="{}"/>"#,
            c(left),
            c(y),
            c(right),
            c(y)
        );
    }
    out.push_str("</g>");
    if lo < 0.0 && hi > 0.0 {
        let y = sy.at(0.0);
        w!(
            out,
            r#"<line class="zero" x1="{}" y1="{}" x2="{}" y2="{}" stroke="{MUTED}" stroke-width="1.5"/>"#,
            c(left),
            c(y),
            c(right),
            c(y)
        );
    }
    w!(
        out,
        r#"<g class="axis y" text-anchor="end" fill="{MUTED}">"#
    );
    for (&v, s) in ticks.iter().zip(labels) {
        w!(
            out,
            r#"<text x="{}" y="{}">{}</text>"#,
            c(left - 8.0),
            c(sy.at(v) + 7.0),
            esc(s)
        );
    }
    out.push_str("</g>");
}

/// Vertical grid lines with labels below the plot, thinned to fit; a darker zero line when the
/// range spans zero.
#[allow(clippy::too_many_arguments)]
fn x_grid(
    out: &mut String,
    lo: f64,
    hi: f64,
    sx: &Scale,
    top: f64,
    bottom: f64,
    suffix: &str,
    t: &ChartText,
) {
    let width = (sx.b - sx.a).abs();
    // Widest label first, then as many ticks as fit.
    let (probe, pdec) = nice_ticks(lo, hi, 6, false);
    let widest = probe
        .iter()
        .map(|&v| est(&format!("{}{suffix}", num(v, pdec, t)), FS))
        .fold(0.0, f64::max)
        + 14.0;
    let fit = ((width / widest).floor() as usize).clamp(2, 6);
    let (ticks, tdec) = nice_ticks(lo, hi, fit, false);
    w!(out, r#"<g class="grid" stroke="{GRID}" stroke-width="1">"#);
    for &v in &ticks {
        w!(
            out,
            r#"<line x1="{}" y1="{}" x2="{}" y2="{}"/>"#,
            c(sx.at(v)),
            c(top),
            c(sx.at(v)),
            c(bottom)
        );
    }
    out.push_str("</g>");
    if lo < 0.0 && hi > 0.0 {
        w!(
            out,
            r#"<line class="zero" x1="{}" y1="{}" x2="{}" y2="{}" stroke="{MUTED}" stroke-width="1.5"/>"#,
            c(sx.at(0.0)),
            c(top - 4.0),
            c(sx.at(0.0)),
            c(bottom)
        );
    }
    w!(
        out,
        r#"<line class="axis-line" x1="{}" y1="{}" x2="{}" y2="{}" stroke="{MUTED}" stroke-width="1.5"/>"#,
        c(sx.a),
        c(bottom),
        c(sx.b),
        c(bottom)
    );
    w!(
        out,
        r#"<g class="axis x" text-anchor="middle" fill="{MUTED}">"#
    );
    for &v in &ticks {
        let s = format!("{}{suffix}", num(v, tdec, t));
        let half = est(&s, FS) / 2.0;
        w!(
            out,
            r#"<text x="{}" y="{}">{}</text>"#,
            c(sx.at(v).clamp(half + 2.0, W - half - 2.0)),
            c(bottom + FS + 6.0),
            esc(&s)
        );
    }
    out.push_str("</g>");
}

/// Period or category labels under a plot, one per slot, thinned so they never overlap; the
/// last one (the latest period) is always shown.
fn x_labels(out: &mut String, labels: &[&str], left: f64, slot: f64, bottom: f64) {
    let n = labels.len();
    if n == 0 {
        return;
    }
    const MAX: usize = 12;
    let widest = labels
        .iter()
        .map(|l| trunc(l, MAX).0.chars().count())
        .max()
        .unwrap_or(0);
    let need = est_n(widest, FS) + 14.0;
    let every = ((need / slot).ceil() as usize).max(1);
    // From the latest back, every `every`-th label; one pushed inwards at the edge may still
    // meet its neighbour, which then gives way.
    let mut shown = Vec::new();
    let mut next_left = f64::INFINITY;
    for i in (0..n).rev().step_by(every) {
        let half = est(&trunc(labels[i], MAX).0, FS) / 2.0;
        // Never left of the plot (the y axis labels live there), never past the right edge.
        let x = (left + slot * (i as f64 + 0.5))
            .max(left + half - 4.0)
            .min(W - half - 2.0);
        if x + half + 8.0 <= next_left {
            next_left = x - half;
            shown.push((i, x));
        }
    }
    w!(
        out,
        r#"<g class="axis x" text-anchor="middle" fill="{MUTED}">"#
    );
    for &(i, x) in shown.iter().rev() {
        let tick = left + slot * (i as f64 + 0.5);
        w!(
            out,
            r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{MUTED}" stroke-width="1"/>"#,
            c(tick),
            c(bottom),
            c(tick),
            c(bottom + 5.0)
        );
        text(
            out,
            x,
            bottom + FS + 6.0,
            Anchor::Middle,
            FS,
            "",
            labels[i],
            MAX,
        );
    }
    out.push_str("</g>");
}

/// Width of a left label column (at most 36 % of the chart) and the characters that fit it.
fn label_column<'a>(labels: impl Iterator<Item = &'a str>) -> (f64, usize) {
    let max_w = W * 0.36;
    let chars = ((max_w - 4.0) / (EM * FS)).floor() as usize;
    let widest = labels
        .map(|l| l.chars().count().min(chars))
        .max()
        .unwrap_or(0);
    ((est_n(widest, FS) + 4.0).clamp(40.0, max_w), chars)
}

/// Left margin for y tick labels.
fn y_margin(labels: &[String]) -> f64 {
    let widest = labels.iter().map(|s| est(s, FS)).fold(0.0, f64::max);
    (widest + 16.0).clamp(36.0, 200.0)
}

/// A horizontal interval whisker with end caps.
fn whisker_h(out: &mut String, x0: f64, x1: f64, y: f64, cap: f64) {
    w!(
        out,
        r#"<path class="whisker" d="M{} {} H{} M{} {} V{} M{} {} V{}" fill="none" stroke="{BLACK}" stroke-width="1.5"/>"#,
        c(x0),
        c(y),
        c(x1),
        c(x0),
        c(y - cap / 2.0),
        c(y + cap / 2.0),
        c(x1),
        c(y - cap / 2.0),
        c(y + cap / 2.0)
    );
}

/// Path data of a per-period level drawn as steps across each period's slot.
fn steps(
    pts: &[Pt],
    get: impl Fn(&Pt) -> Option<f64>,
    px: &impl Fn(usize) -> f64,
    slot: f64,
    sy: &Scale,
) -> String {
    let mut d = String::new();
    let mut prev = false;
    for (i, p) in pts.iter().enumerate() {
        match get(p) {
            Some(v) => {
                let (x0, x1, y) = (px(i) - slot / 2.0, px(i) + slot / 2.0, sy.at(v));
                if prev {
                    w!(d, " V{} H{}", c(y), c(x1));
                } else {
                    w!(
                        d,
                        "{}M{} {} H{}",
                        if d.is_empty() { "" } else { " " },
                        c(x0),
                        c(y),
                        c(x1)
                    );
                }
                prev = true;
            }
            None => prev = false,
        }
    }
    d
}

/// Runs of consecutive indices whose points satisfy `keep`.
fn runs(pts: &[Pt], keep: impl Fn(&Pt) -> bool) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, p) in pts.iter().enumerate() {
        match (keep(p), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push(s..i);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push(s..pts.len());
    }
    out
}

/// A chart with nothing to show: the frame and the "no data" text.
fn empty(id: &str, kind: &str, title: &str, t: &ChartText) -> String {
    let h = 140.0;
    let mut b = String::new();
    w!(
        b,
        r#"<rect class="frame" x="1" y="1" width="{}" height="{}" fill="none" stroke="{GRID}" stroke-width="2"/>"#,
        W - 2.0,
        h - 2.0
    );
    w!(
        b,
        r#"<text class="nodata" x="{}" y="{}" text-anchor="middle" fill="{MUTED}">{}</text>"#,
        W / 2.0,
        h / 2.0 + 7.0,
        esc(&t.no_data)
    );
    finish(id, kind, title, &t.no_data, h, &b)
}

/// Font size of a chart's visible title.
const FS_TITLE: f64 = 21.0;
/// The most lines a visible title takes; a longer one ends in an ellipsis (the accessible
/// `<title>` keeps all of it).
const TITLE_LINES: usize = 3;

/// Splits `text` into lines of at most `max` characters at spaces (a word longer than a line
/// is cut), at most `lines` lines, the last one ending in an ellipsis when text is left over.
fn wrap(text: &str, max: usize, lines: usize) -> Vec<String> {
    let max = max.max(4);
    let mut out: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let (word, _) = trunc(word, max);
        let len = line.chars().count();
        if len > 0 && len + 1 + word.chars().count() > max {
            out.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word);
    }
    if !line.is_empty() {
        out.push(line);
    }
    if out.len() > lines {
        out.truncate(lines);
        let last = out.last_mut().expect("at least one line");
        let (cut, _) = trunc(&format!("{last} …"), max);
        *last = if cut.ends_with('…') {
            cut
        } else {
            format!("{}…", cut.trim_end_matches(" …"))
        };
    }
    out
}

/// Wraps a chart body in its `<svg>` with the accessible name and description, and the title
/// written out above the chart (wrapped, never cut off at the edge); the body moves down by
/// the title's height.
fn finish(id: &str, kind: &str, title: &str, desc: &str, h: f64, body: &str) -> String {
    let line_h = FS_TITLE * 1.25;
    let max = ((W - 16.0) / (EM * FS_TITLE)).floor() as usize;
    let lines = wrap(title, max, TITLE_LINES);
    let title_h = if lines.is_empty() {
        0.0
    } else {
        lines.len() as f64 * line_h + 10.0
    };
    let mut head = String::new();
    if !lines.is_empty() {
        // aria-hidden: the accessible name is the <title>; this is the same text, shown.
        w!(
            head,
            r#"<text class="chart-title" x="8" y="{}" font-size="{FS_TITLE}" font-weight="600" aria-hidden="true">"#,
            c(FS_TITLE + 2.0)
        );
        for (i, l) in lines.iter().enumerate() {
            w!(
                head,
                r#"<tspan x="8" dy="{}">{}</tspan>"#,
                if i == 0 { 0.0 } else { line_h },
                esc(l)
            );
        }
        head.push_str("</text>");
    }
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{kind}" viewBox="0 0 {W} {h}" width="100%" preserveAspectRatio="xMidYMid meet" role="img" aria-labelledby="{id}-title" aria-describedby="{id}-desc" font-family="system-ui, sans-serif" font-size="{FS}" fill="{INK}"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>{head}<g transform="translate(0 {})">{body}</g></svg>"#,
        esc(title),
        esc(desc),
        c(title_h),
        h = c(h + title_h)
    )
}

/// A `<text>`, cut to `max_chars` with an ellipsis; a cut text carries the full one as its
/// `<title>`. `extra` holds trusted attributes.
#[allow(clippy::too_many_arguments)]
fn text(
    out: &mut String,
    x: f64,
    y: f64,
    anchor: Anchor,
    fs: f64,
    extra: &str,
    s: &str,
    max_chars: usize,
) {
    let (shown, cut) = trunc(s, max_chars);
    w!(
        out,
        r#"<text x="{}" y="{}" text-anchor="{}" font-size="{fs}"{}{}>"#,
        c(x),
        c(y),
        anchor.attr(),
        if extra.is_empty() { "" } else { " " },
        extra
    );
    if cut {
        w!(out, "<title>{}</title>", esc(s));
    }
    w!(out, "{}</text>", esc(&shown));
}

// ---------------------------------------------------------------------------------------------
// Numbers

fn fin(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

/// An interval with both ends finite, ordered.
fn ci(ci: Option<(f64, f64)>) -> Option<(f64, f64)> {
    let (a, b) = ci?;
    let (a, b) = (fin(a)?, fin(b)?);
    Some((a.min(b), a.max(b)))
}

/// A usable axis range: finite, ordered, not empty, within ±1e9.
fn axis((a, b): (f64, f64)) -> (f64, f64) {
    let a = fin(a).unwrap_or(0.0).clamp(-1e9, 1e9);
    let b = fin(b).unwrap_or(a + 1.0).clamp(-1e9, 1e9);
    let (a, b) = (a.min(b), a.max(b));
    if b - a < 1e-9 * a.abs().max(b.abs()).max(1.0) {
        let pad = (a.abs() * 0.1).max(0.5);
        (a - pad, b + pad)
    } else {
        (a, b)
    }
}

/// Where bars start: zero when the range holds it, else the edge nearest zero.
fn baseline(lo: f64, hi: f64) -> f64 {
    0.0f64.clamp(lo, hi)
}

fn decimals(t: &ChartText, span: f64) -> usize {
    match t.decimals {
        Some(d) => usize::from(d).min(6),
        None if span > 0.0 && span.is_finite() => {
            (3.0 - span.log10().ceil()).clamp(0.0, 3.0) as usize
        }
        None => 1,
    }
}

/// A step of 1, 2 or 5 × 10^k at least `raw`.
fn nice_step(raw: f64) -> f64 {
    if !(raw.is_finite() && raw > 0.0) {
        return 1.0;
    }
    let mag = 10f64.powf(raw.log10().floor());
    let norm = raw / mag;
    let m = if norm <= 1.0 + 1e-9 {
        1.0
    } else if norm <= 2.0 + 1e-9 {
        2.0
    } else if norm <= 5.0 + 1e-9 {
        5.0
    } else {
        10.0
    };
    m * mag
}

/// At most `count` ticks at multiples of a nice step inside `lo..=hi`, and the decimals
/// their labels need.
fn nice_ticks(lo: f64, hi: f64, count: usize, integer: bool) -> (Vec<f64>, usize) {
    let count = count.max(2);
    let mut step = nice_step((hi - lo) / (count - 1) as f64);
    if integer {
        step = step.max(1.0);
    }
    let k0 = (lo / step - 1e-9).ceil();
    let k1 = (hi / step + 1e-9).floor();
    let dec = if step >= 1.0 {
        0
    } else {
        (-(step.log10() + 1e-9).floor()).clamp(0.0, 9.0) as usize
    };
    if !(k0.is_finite() && k1.is_finite()) || k1 < k0 || k1 - k0 > 50.0 {
        return (vec![lo, hi], dec.max(1));
    }
    let ticks = (0..=(k1 - k0) as i64)
        .map(|j| {
            let v = (k0 + j as f64) * step;
            if v.abs() < step * 1e-6 { 0.0 } else { v }
        })
        .collect();
    (ticks, dec)
}

/// `lo..hi` widened outwards to multiples of a nice step.
fn nice_extend(lo: f64, hi: f64, count: usize, integer: bool) -> (f64, f64) {
    let (lo, hi) = axis((lo, hi));
    let mut step = nice_step((hi - lo) / count.max(1) as f64);
    if integer {
        step = step.max(1.0);
    }
    let (a, b) = ((lo / step).floor() * step, (hi / step).ceil() * step);
    if a.is_finite() && b.is_finite() && b > a {
        (a, b)
    } else {
        (lo, hi)
    }
}

/// A number for people: fixed decimals, the caller's decimal mark, a real minus sign, never
/// "-0".
fn num(v: f64, dec: usize, t: &ChartText) -> String {
    if !v.is_finite() {
        return "–".to_owned();
    }
    let mut s = format!("{v:.dec$}");
    if s.starts_with('-') && s[1..].bytes().all(|b| b == b'0' || b == b'.') {
        s.remove(0);
    }
    if t.decimal_comma {
        s = s.replace('.', ",");
    }
    s.replace('-', "\u{2212}")
}

fn opt_num(v: Option<f64>, dec: usize, t: &ChartText) -> String {
    v.map_or_else(|| "–".to_owned(), |v| num(v, dec, t))
}

/// "38.1–45.9", spaced when a minus sign could run into the dash.
fn span(l: f64, u: f64, dec: usize, t: &ChartText) -> String {
    let sep = if l < 0.0 || u < 0.0 { " – " } else { "–" };
    format!("{}{sep}{}", num(l, dec, t), num(u, dec, t))
}

fn span_opt(l: Option<f64>, u: Option<f64>, dec: usize, t: &ChartText) -> String {
    let neg = l.is_some_and(|v| v < 0.0) || u.is_some_and(|v| v < 0.0);
    let sep = if neg || l.is_none() || u.is_none() {
        " – "
    } else {
        "–"
    };
    format!("{}{sep}{}", opt_num(l, dec, t), opt_num(u, dec, t))
}

/// A coordinate: one decimal, no "-0", always finite.
fn c(v: f64) -> String {
    let v = if v.is_finite() {
        v.clamp(-1e6, 1e6)
    } else {
        0.0
    };
    let r = (v * 10.0).round() / 10.0;
    if r == r.trunc() {
        format!("{}", r as i64)
    } else {
        format!("{r:.1}")
    }
}

// ---------------------------------------------------------------------------------------------
// Text

/// Escapes text for XML content and double-quoted attributes; control characters (not allowed
/// in XML) become spaces.
fn esc(s: &str) -> String {
    let clean: String = s
        .chars()
        .map(|ch| {
            if ch.is_control() || ch == '\u{FFFE}' || ch == '\u{FFFF}' {
                ' '
            } else {
                ch
            }
        })
        .collect();
    crate::html_escape(&clean)
}

/// The caller's id prefix as a safe XML id: ASCII letters, digits, '-' and '_', starting with
/// a letter.
fn clean_id(id: &str) -> String {
    let s: String = id
        .chars()
        .filter(|ch| ch.is_ascii_alphanumeric() || *ch == '-' || *ch == '_')
        .collect();
    if s.starts_with(|ch: char| ch.is_ascii_alphabetic()) {
        s
    } else {
        format!("chart{s}")
    }
}

/// `s` cut to `max` characters, the last an ellipsis; and whether it was cut.
fn trunc(s: &str, max: usize) -> (String, bool) {
    let max = max.max(2);
    if s.chars().count() <= max {
        (s.to_owned(), false)
    } else {
        let mut out: String = s.chars().take(max - 1).collect();
        out.push('…');
        (out, true)
    }
}

/// Estimated width of a text.
fn est(s: &str, fs: f64) -> f64 {
    est_n(s.chars().count(), fs)
}

fn est_n(chars: usize, fs: f64) -> f64 {
    chars as f64 * EM * fs
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn en() -> ChartText {
        ChartText {
            decimal_comma: false,
            no_data: "No data".into(),
            signal: "Significant change".into(),
            target: "Target".into(),
            interval: "95% interval".into(),
            control_limits: "Control limits".into(),
            centre: "Average".into(),
            relative_weight: "Relative weight".into(),
            shapley: "Shapley share".into(),
            decimals: None,
        }
    }

    fn nl() -> ChartText {
        ChartText {
            decimal_comma: true,
            no_data: "Geen gegevens".into(),
            signal: "Significante verandering".into(),
            target: "Doel".into(),
            interval: "95%-interval".into(),
            control_limits: "Controlegrenzen".into(),
            centre: "Gemiddelde".into(),
            relative_weight: "Relatief gewicht".into(),
            shapley: "Shapley-aandeel".into(),
            decimals: None,
        }
    }

    /// A tiny well-formedness check: balanced tags, one root, quoted attributes without '<',
    /// no duplicate attributes, only the five entities and numeric references, no `style`.
    fn xml_ok(s: &str) -> Result<(), String> {
        fn name_char(b: u8) -> bool {
            b.is_ascii_alphanumeric() || b == b'-' || b == b':' || b == b'_'
        }
        fn entity(s: &str, i: usize) -> Result<(), String> {
            let rest = &s[i + 1..];
            let end = rest.find(';').ok_or(format!("bare & at {i}"))?;
            let e = &rest[..end];
            let ok = matches!(e, "amp" | "lt" | "gt" | "quot" | "apos")
                || (e.len() > 1
                    && e.starts_with('#')
                    && e[1..].bytes().all(|b| b.is_ascii_digit()));
            if ok {
                Ok(())
            } else {
                Err(format!("bad entity &{e}; at {i}"))
            }
        }
        let b = s.as_bytes();
        let (mut i, mut roots) = (0, 0);
        let mut stack: Vec<&str> = Vec::new();
        while i < b.len() {
            match b[i] {
                b'<' if b.get(i + 1) == Some(&b'/') => {
                    let end = s[i..].find('>').ok_or("unclosed end tag")? + i;
                    let name = &s[i + 2..end];
                    let open = stack.pop().ok_or(format!("</{name}> without start"))?;
                    if open != name {
                        return Err(format!("</{name}> closes <{open}> at {i}"));
                    }
                    i = end + 1;
                }
                b'<' => {
                    let mut j = i + 1;
                    while j < b.len() && name_char(b[j]) {
                        j += 1;
                    }
                    let name = &s[i + 1..j];
                    if name.is_empty() {
                        return Err(format!("bad tag at {i}"));
                    }
                    if stack.is_empty() {
                        roots += 1;
                    }
                    let mut attrs: Vec<&str> = Vec::new();
                    loop {
                        let before = j;
                        while j < b.len() && b[j] == b' ' {
                            j += 1;
                        }
                        match b.get(j) {
                            Some(b'>') => {
                                stack.push(name);
                                j += 1;
                                break;
                            }
                            Some(b'/') if b.get(j + 1) == Some(&b'>') => {
                                j += 2;
                                break;
                            }
                            Some(_) => {
                                if j == before {
                                    return Err(format!("no space before attribute at {j}"));
                                }
                                let k = j;
                                while j < b.len() && name_char(b[j]) {
                                    j += 1;
                                }
                                let an = &s[k..j];
                                if an.is_empty() {
                                    return Err(format!("bad attribute at {j}"));
                                }
                                if an.eq_ignore_ascii_case("style") {
                                    return Err("style attribute".into());
                                }
                                if b.get(j) != Some(&b'=') || b.get(j + 1) != Some(&b'"') {
                                    return Err(format!("unquoted attribute {an} at {j}"));
                                }
                                let vend = s[j + 2..].find('"').ok_or("unclosed value")? + j + 2;
                                let v = &s[j + 2..vend];
                                if v.contains('<') {
                                    return Err(format!("< in attribute {an}"));
                                }
                                if let Some(p) = v.find('&') {
                                    entity(s, j + 2 + p)?;
                                }
                                if attrs.contains(&an) {
                                    return Err(format!("duplicate attribute {an} on <{name}>"));
                                }
                                attrs.push(an);
                                j = vend + 1;
                            }
                            None => return Err("unterminated tag".into()),
                        }
                    }
                    i = j;
                }
                b'&' => {
                    entity(s, i)?;
                    i += 1;
                }
                c => {
                    if stack.is_empty() && !c.is_ascii_whitespace() {
                        return Err(format!("text outside the root at {i}"));
                    }
                    i += 1;
                }
            }
        }
        if !stack.is_empty() {
            return Err(format!("unclosed <{}>", stack.join("> <")));
        }
        if roots != 1 {
            return Err(format!("{roots} roots"));
        }
        Ok(())
    }

    /// The invariants every chart keeps.
    fn check(svg: &str) {
        if let Err(e) = xml_ok(svg) {
            panic!("not well-formed: {e}\n{svg}");
        }
        assert!(svg.starts_with("<svg "), "{svg}");
        assert!(svg.contains(r#"role="img""#));
        assert!(svg.contains(r#"width="100%""#));
        assert!(svg.contains("<title id=\""));
        assert!(svg.contains("<desc id=\""));
        assert!(svg.contains("aria-labelledby=\""));
        assert!(!svg.contains("style"), "{svg}");
        assert!(!svg.contains("<script"));
        assert!(!svg.contains("NaN"), "{svg}");
        assert!(!svg.contains("inf"), "{svg}");
    }

    fn count(s: &str, pat: &str) -> usize {
        s.matches(pat).count()
    }

    /// The contents of the first `<g class="{class}">…</g>` (no nested groups inside).
    fn group<'a>(svg: &'a str, class: &str) -> &'a str {
        let start = svg
            .find(&format!(r#"<g class="{class}""#))
            .unwrap_or_else(|| panic!("no group {class}"));
        let end = svg[start..].find("</g>").unwrap() + start;
        &svg[start..end]
    }

    fn monthly(values: &[Option<f64>]) -> Vec<TrendPoint> {
        values
            .iter()
            .enumerate()
            .map(|(i, &v)| TrendPoint {
                label: format!("2025-{:02}", i + 1),
                value: v,
                ci: v.map(|v| (v - 4.0, v + 4.0)),
                n: 120 + i as u64,
                lcl: Some(30.0 - i as f64 * 0.5),
                ucl: Some(50.0 + i as f64 * 0.5),
                centre: Some(40.0),
                signal: false,
            })
            .collect()
    }

    #[test]
    fn trend_draws_line_band_limits_target_and_tooltips() {
        let pts = monthly(&[Some(41.0), Some(39.5), None, Some(44.3), Some(42.0)]);
        let svg = trend(
            "nps",
            "NPS per month",
            &pts,
            (0.0, 100.0),
            Some(45.0),
            &en(),
        );
        check(&svg);
        assert!(svg.contains(r#"<title id="nps-title">NPS per month</title>"#));
        assert!(svg.contains(r#"aria-labelledby="nps-title""#));
        assert!(svg.contains(r#"aria-describedby="nps-desc""#));
        assert!(svg.contains(r#"class="line""#));
        assert!(svg.contains(r#"class="band""#));
        assert_eq!(count(&svg, r#"class="limit""#), 2);
        assert!(svg.contains(r#"class="centre""#));
        assert!(svg.contains(r#"class="target""#));
        // Four marks with values, each with a tooltip naming its numbers.
        assert_eq!(count(&svg, r#"<circle class="mark""#), 4);
        assert!(svg.contains("<title>2025-04: 44.3 (95% interval 40.3–48.3), n = 123; Control limits 28.5–51.5</title>"));
        // The gap is described, not drawn.
        assert!(svg.contains("2025-03: No data"));
        assert!(svg.contains("Target: 45.0"));
        // The line breaks at the gap: two runs.
        let line = &svg[svg.find(r#"class="line""#).unwrap()..];
        let d = &line[line.find("d=\"").unwrap() + 3..];
        let d = &d[..d.find('"').unwrap()];
        assert_eq!(d.matches('M').count(), 2, "{d}");
        // No signal anywhere.
        assert!(!svg.contains("signal"));
        assert!(!svg.contains("Significant change"));
    }

    #[test]
    fn signal_marker_and_text_only_where_signal() {
        let mut pts = monthly(&[Some(41.0), Some(39.0), Some(60.0), Some(40.0), Some(20.0)]);
        let svg = trend("a", "t", &pts, (0.0, 100.0), None, &en());
        check(&svg);
        assert_eq!(count(&svg, "mark signal"), 0);
        assert_eq!(count(&svg, "Significant change"), 0);

        pts[2].signal = true;
        pts[4].signal = true;
        let svg = trend("a", "t", &pts, (0.0, 100.0), None, &en());
        check(&svg);
        assert_eq!(count(&svg, r#"class="mark signal""#), 2);
        assert_eq!(count(&svg, r#"<circle class="mark""#), 3);
        let labels = group(&svg, "signal-labels");
        assert_eq!(count(labels, ">Significant change</text>"), 2);
        // Legend, desc and both tooltips name it too.
        assert!(group(&svg, "legend").contains("Significant change"));
        assert!(
            svg.contains("2025-03: 60.0 (95% interval 56.0–64.0), n = 122 – Significant change")
        );
        assert!(!svg.contains("2025-02: 39.0 (95% interval 35.0–43.0), n = 121 –"));
        // A signal without a value has nowhere to go.
        let mut lone = monthly(&[Some(41.0), None]);
        lone[1].signal = true;
        let svg = trend("a", "t", &lone, (0.0, 100.0), None, &en());
        check(&svg);
        assert_eq!(count(&svg, "mark signal"), 0);
    }

    #[test]
    fn trend_without_data_says_so() {
        for pts in [vec![], monthly(&[None, None, None])] {
            let svg = trend("x", "Empty", &pts, (0.0, 100.0), Some(50.0), &en());
            check(&svg);
            assert!(svg.contains(r#"class="nodata""#));
            assert!(svg.contains(">No data</text>"));
            assert!(svg.contains(r#"<desc id="x-desc">No data</desc>"#));
        }
        let mut nan = monthly(&[Some(f64::NAN), Some(f64::INFINITY)]);
        nan[0].ci = Some((f64::NAN, 3.0));
        let svg = trend("x", "t", &nan, (f64::NAN, f64::NEG_INFINITY), None, &en());
        check(&svg);
        assert!(svg.contains(r#"class="nodata""#));
    }

    #[test]
    fn trend_single_point_and_degenerate_axis() {
        let pts = monthly(&[Some(7.2)]);
        for y in [(0.0, 10.0), (5.0, 5.0), (10.0, 0.0)] {
            let svg = trend("one", "One", &pts, y, None, &en());
            check(&svg);
            assert_eq!(count(&svg, r#"<circle class="mark""#), 1);
            // A lone interval is a bar, not a polygon.
            assert!(group(&svg, "band").contains("<rect"));
            // No line from one point.
            assert!(!svg.contains(r#"class="line""#));
        }
    }

    #[test]
    fn trend_negative_range_has_zero_line() {
        let mut pts = monthly(&[Some(-40.0), Some(-12.5), Some(3.0), Some(31.0)]);
        for p in &mut pts {
            p.lcl = Some(-60.0);
            p.ucl = Some(50.0);
            p.centre = Some(-5.0);
        }
        let svg = trend("n", "NPS", &pts, (-100.0, 100.0), Some(0.0), &en());
        check(&svg);
        assert!(svg.contains(r#"class="zero""#));
        // A real minus, integers on NPS's wide range, spaced interval with negatives.
        assert!(svg.contains("2025-01: \u{2212}40 (95% interval \u{2212}44 – \u{2212}36)"));
        assert!(group(&svg, "axis y").contains(">\u{2212}100</text>"));
        assert!(group(&svg, "axis y").contains(">0</text>"));
        assert!(!svg.contains("-0<"));
    }

    fn circle_cy(svg: &str) -> Vec<String> {
        svg.split(r#"<circle class="mark" "#)
            .skip(1)
            .map(|s| {
                let s = &s[s.find("cy=\"").unwrap() + 4..];
                s[..s.find('"').unwrap()].to_owned()
            })
            .collect()
    }

    #[test]
    fn values_and_intervals_beyond_the_axis_are_clipped() {
        let mut pts = monthly(&[Some(100.0), Some(150.0), Some(-20.0), Some(0.0)]);
        pts[0].ci = Some((80.0, 130.0));
        pts[1].ci = Some((-50.0, 250.0));
        let svg = trend("c", "Clipped", &pts, (0.0, 100.0), Some(120.0), &en());
        check(&svg);
        let cy = circle_cy(&svg);
        assert_eq!(cy[0], cy[1], "150 sits on the top edge like 100");
        assert_eq!(cy[2], cy[3], "−20 sits on the bottom edge like 0");
        // The tooltip keeps the real number.
        assert!(svg.contains("<title>2025-02: 150.0 (95% interval \u{2212}50.0 – 250.0)"));
        // Nothing is drawn above the plot or below the axis: every y inside the viewBox.
        let h: f64 = {
            let marker = format!("viewBox=\"0 0 {W} ");
            let v = &svg[svg.find(&marker).unwrap() + marker.len()..];
            v[..v.find('"').unwrap()].parse().unwrap()
        };
        for part in svg.split(" y=\"").skip(1) {
            let y: f64 = part[..part.find('"').unwrap()].parse().unwrap();
            assert!((0.0..=h).contains(&y), "y={y}");
        }
    }

    #[test]
    fn weekly_labels_are_thinned_and_the_last_is_kept() {
        let pts: Vec<TrendPoint> = (0..104)
            .map(|i| TrendPoint {
                label: format!("{}-W{:02}", 2024 + i / 52, i % 52 + 1),
                value: Some(50.0 + (i as f64 / 5.0).sin() * 10.0),
                n: 40,
                ..Default::default()
            })
            .collect();
        let svg = trend("w", "Weekly", &pts, (0.0, 100.0), None, &en());
        check(&svg);
        let x = group(&svg, "axis x");
        let shown = count(x, "<text");
        assert!((3..=8).contains(&shown), "{shown} labels");
        assert!(x.contains(">2025-W52</text>"));
        assert!(!x.contains(">2025-W51</text>"));
        assert_eq!(count(&svg, r#"<circle class="mark""#), 104);
        // Five months fit; twelve are thinned, the latest kept; labels never overlap.
        let svg = trend(
            "m",
            "t",
            &monthly(&[Some(1.0); 5]),
            (0.0, 10.0),
            None,
            &en(),
        );
        // (on the 480-unit chart three of five month labels fit, the latest among them)
        let five = group(&svg, "axis x");
        assert_eq!(count(five, "<text"), 3, "{five}");
        assert!(five.contains(">2025-05</text>"));
        for n in [1, 2, 7, 12, 13, 24, 36, 53, 60, 104, 130] {
            let pts: Vec<TrendPoint> = (0..n)
                .map(|i| TrendPoint {
                    label: format!("{}-W{:02}", 2024 + i / 52, i % 52 + 1),
                    value: Some(5.0),
                    ..Default::default()
                })
                .collect();
            let svg = trend("m", "t", &pts, (0.0, 10.0), None, &en());
            let labels = x_label_boxes(group(&svg, "axis x"));
            assert!(!labels.is_empty());
            assert_eq!(labels.last().unwrap().1, pts[n - 1].label, "n={n}");
            for pair in labels.windows(2) {
                let ((x0, a), (x1, b)) = (&pair[0], &pair[1]);
                let room = (est(a, FS) + est(b, FS)) / 2.0;
                assert!(x1 - x0 >= room, "n={n}: {a} at {x0} meets {b} at {x1}");
            }
            for (x, l) in &labels {
                let half = est(l, FS) / 2.0;
                assert!(
                    x - half >= 0.0 && x + half <= W,
                    "n={n}: {l} at {x} leaves the chart"
                );
            }
        }
    }

    /// (x, text) of the labels in an axis group.
    fn x_label_boxes(g: &str) -> Vec<(f64, String)> {
        g.split("<text x=\"")
            .skip(1)
            .map(|s| {
                let x = s[..s.find('"').unwrap()].parse().unwrap();
                let body = &s[s.find('>').unwrap() + 1..s.find("</text>").unwrap()];
                (x, body.to_owned())
            })
            .collect()
    }

    #[test]
    fn decimal_comma_and_point() {
        let pts = monthly(&[Some(7.25), Some(6.5)]);
        let svg = trend("d", "Gemiddelde", &pts, (0.0, 10.0), Some(7.0), &nl());
        check(&svg);
        assert!(svg.contains("2025-01: 7,25 (95%-interval 3,25–11,25), n = 120"));
        assert!(svg.contains("Doel: 7,00"));
        assert!(!svg.contains("7.25"));
        let svg = trend("d", "Mean", &pts, (0.0, 1.0), None, &nl());
        assert!(group(&svg, "axis y").contains(">0,2</text>"));
        let svg = trend("d", "Mean", &pts, (0.0, 1.0), None, &en());
        assert!(group(&svg, "axis y").contains(">0.2</text>"));
        let t = ChartText {
            decimals: Some(1),
            ..nl()
        };
        assert!(
            trend("d", "x", &pts, (0.0, 10.0), None, &t).contains("2025-02: 6,5 (95%-interval")
        );
    }

    #[test]
    fn nice_steps() {
        assert_eq!(
            nice_ticks(0.0, 100.0, 6, false),
            (vec![0.0, 20.0, 40.0, 60.0, 80.0, 100.0], 0)
        );
        assert_eq!(
            nice_ticks(-100.0, 100.0, 6, false).0,
            vec![-100.0, -50.0, 0.0, 50.0, 100.0]
        );
        assert_eq!(
            nice_ticks(1.0, 5.0, 6, false),
            (vec![1.0, 2.0, 3.0, 4.0, 5.0], 0)
        );
        assert_eq!(nice_ticks(0.0, 1.0, 6, false).1, 1);
        assert_eq!(nice_ticks(0.0, 0.1, 6, false).1, 2);
        assert_eq!(nice_ticks(0.0, 3.0, 6, true).0, vec![0.0, 1.0, 2.0, 3.0]);
        assert_eq!(nice_extend(0.0, 37.0, 5, true), (0.0, 40.0));
        assert_eq!(nice_extend(-3.2, 41.0, 5, false), (-10.0, 50.0));
        for (lo, hi) in [(0.0, 7.0), (-3.0, 3.0), (2.5, 97.1), (0.0, 1e9)] {
            let (t, _) = nice_ticks(lo, hi, 6, false);
            assert!(t.len() >= 2 && t.len() <= 6, "{lo}..{hi}: {t:?}");
            let step = t[1] - t[0];
            let m = step / 10f64.powf(step.log10().floor());
            assert!(
                [1.0, 2.0, 5.0].iter().any(|x| (m - x).abs() < 1e-9),
                "{step}"
            );
        }
        assert_eq!(num(-0.0001, 2, &en()), "0.00");
        assert_eq!(num(-1.5, 1, &nl()), "\u{2212}1,5");
        assert_eq!(c(-0.04), "0");
        assert_eq!(c(f64::NAN), "0");
    }

    #[test]
    fn text_is_escaped_and_ids_are_safe() {
        let evil = r#"A<b>&"c"</title><script>"#;
        let mut pts = monthly(&[Some(1.0), Some(2.0)]);
        pts[0].label = evil.into();
        let t = ChartText {
            no_data: "<none>".into(),
            ..en()
        };
        let svg = trend(r#"x" onload="alert(1)"#, evil, &pts, (0.0, 10.0), None, &t);
        check(&svg);
        assert!(!svg.contains("<b>") && !svg.contains("<script") && !svg.contains(r#""c""#));
        assert!(svg.contains("A&lt;b&gt;&amp;&quot;c&quot;&lt;/title&gt;&lt;script&gt;"));
        assert!(!svg.contains("onload="));
        assert!(svg.contains(r#"id="xonloadalert1-title""#));
        assert!(trend("9", "t", &pts, (0.0, 1.0), None, &t).contains(r#"id="chart9-title""#));
        let rows = [Bar {
            label: evil.into(),
            value: Some(3.0),
            note: Some("n < 30 & \"small\"".into()),
            ..Default::default()
        }];
        let svg = bars("b", evil, &rows, (0.0, 10.0), None, &t);
        check(&svg);
        assert!(svg.contains("n &lt; 30 &amp; &quot;small&quot;"));
        let svg = bars("b", "t", &[], (0.0, 10.0), None, &t);
        check(&svg);
        assert!(svg.contains("&lt;none&gt;"));
        let svg = distribution("d", evil, &[evil.into()], &[3], &[(0, 0, evil.into())], &t);
        check(&svg);
        let dr = [DriverBar {
            label: evil.into(),
            relative_weight_pct: 10.0,
            shapley_pct: 12.0,
        }];
        check(&drivers("r", evil, &dr, &t));
        let mp = [MatrixPoint {
            label: evil.into(),
            performance: 3.0,
            importance: 0.4,
            quadrant: evil.into(),
        }];
        check(&matrix(
            "m",
            evil,
            &mp,
            (3.0, 0.3),
            evil,
            evil,
            [evil; 4],
            &t,
        ));
        // Control characters are not XML.
        let mut ctl = monthly(&[Some(1.0)]);
        ctl[0].label = "a\u{0}b\u{1b}c".into();
        let svg = trend("z", "t", &ctl, (0.0, 2.0), None, &en());
        check(&svg);
        assert!(svg.contains("a b c"));
    }

    #[test]
    fn each_row_shows_its_own_target() {
        let rows = [
            Bar {
                label: "Telefonie".into(),
                value: Some(31.0),
                n: 400,
                target: Some(35.0),
                ..Default::default()
            },
            Bar {
                label: "Web".into(),
                value: Some(20.0),
                n: 120,
                target: None,
                ..Default::default()
            },
        ];
        let svg = bars("sc", "Scorecard", &rows, (-100.0, 100.0), None, &en());
        check(&svg);
        assert_eq!(svg.matches(r#"class="row-target""#).count(), 1);
        assert!(svg.contains("<title>Telefonie: Target 35</title>"), "{svg}");
        assert!(
            svg.contains("Telefonie: 31, n = 400, Target 35"),
            "the description too"
        );
        assert!(
            svg.contains(r#"<g class="legend""#),
            "a legend names the marker"
        );
        // The marker sits at 35 on the axis: between the bar's end (31) and the axis end.
        let after = svg.split(r#"class="row-target""#).nth(1).unwrap();
        let x1: f64 = after
            .split("x1=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        // the first bar's right end (its rect is written before the marker)
        let attr = |tag: &str, name: &str| -> f64 {
            tag.split(&format!("{name}=\""))
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap()
                .parse()
                .unwrap()
        };
        let rect = svg
            .split("<rect ")
            .find(|r| r.contains(r##"fill="#0072B2""##))
            .unwrap();
        let end = attr(rect, "x") + attr(rect, "width");
        assert!(
            x1 > end + 5.0,
            "the target (35) lies right of the bar's end (31): {x1} vs {end}"
        );
    }

    #[test]
    fn long_labels_are_cut_with_the_full_text_in_a_title() {
        let long = "Klantenservice regio Noord-Holland Noord, vestiging Den Helder";
        let rows = [
            Bar {
                label: long.into(),
                value: Some(72.0),
                ci: Some((65.0, 79.0)),
                n: 210,
                note: None,
                target: None,
            },
            Bar {
                label: "Web".into(),
                value: Some(64.0),
                ci: Some((50.0, 78.0)),
                n: 25,
                note: Some("n < 30".into()),
                target: None,
            },
        ];
        let svg = bars("u", "Per unit", &rows, (0.0, 100.0), Some(70.0), &en());
        check(&svg);
        assert!(
            svg.contains(&format!("<title>{long}</title>Klantenser")),
            "{svg}"
        );
        assert!(svg.contains("…</text>"));
        assert!(svg.contains(">n &lt; 30</text>"));
        assert!(
            svg.contains("<title>Web: 64.0; 95% interval 50.0–78.0; n = 25; n &lt; 30</title>")
        );
        assert_eq!(count(&svg, r#"class="whisker""#), 2);
        assert!(svg.contains(r#"class="target""#));
        assert!(svg.contains(">Target 70.0</text>"));
        assert!(!svg.contains(r#"class="zero""#));
    }

    #[test]
    fn bars_with_negatives_gaps_and_clipping() {
        let rows = [
            Bar {
                label: "Shop".into(),
                value: Some(-35.0),
                ci: Some((-48.0, -22.0)),
                n: 90,
                note: None,
                target: None,
            },
            Bar {
                label: "Phone".into(),
                value: None,
                ci: None,
                n: 0,
                note: Some("n < 30".into()),
                target: None,
            },
            Bar {
                label: "Mail".into(),
                value: Some(140.0),
                ci: Some((120.0, 160.0)),
                n: 12,
                note: None,
                target: None,
            },
        ];
        let svg = bars(
            "nps",
            "NPS per channel",
            &rows,
            (-100.0, 100.0),
            None,
            &en(),
        );
        check(&svg);
        assert!(svg.contains(r#"class="zero""#));
        assert!(svg.contains("Phone: –, n = 0, n &lt; 30"));
        assert!(svg.contains("Shop: \u{2212}35 (95% interval \u{2212}48 – \u{2212}22), n = 90"));
        // The zero-based bar of −35 starts left of zero.
        let all_none = [Bar {
            label: "x".into(),
            ..Default::default()
        }];
        let svg = bars("e", "t", &all_none, (-100.0, 100.0), None, &en());
        check(&svg);
        assert!(svg.contains(r#"class="nodata""#));
        let one = [Bar {
            label: "x".into(),
            value: Some(3.0),
            ..Default::default()
        }];
        check(&bars("o", "t", &one, (5.0, 5.0), Some(f64::NAN), &en()));
    }

    #[test]
    fn nps_distribution_with_groups() {
        let labels: Vec<String> = (0..=10).map(|i| i.to_string()).collect();
        let counts = [3, 1, 2, 4, 5, 9, 14, 30, 41, 60, 38];
        let groups = [
            (0, 6, "Detractors".to_owned()),
            (7, 8, "Passives".to_owned()),
            (9, 10, "Promoters".to_owned()),
        ];
        let svg = distribution("h", "Answers", &labels, &counts, &groups, &nl());
        check(&svg);
        let legend = group(&svg, "legend");
        assert!(legend.contains(">Detractors (0–6)</text>"));
        assert!(legend.contains(">Promoters (9–10)</text>"));
        assert_eq!(count(&svg, r#"<rect class="mark""#), 11);
        assert!(svg.contains("<title>9: 60 (29,0%); Promoters</title>"));
        assert!(svg.contains("; Detractors (0–6): 38 (18,4%)"));
        assert_eq!(
            count(&svg, &format!(r#"fill="{VERMILLION}" stroke"#)),
            7 + 1
        );
        assert_eq!(count(group(&svg, "values"), "<text"), 11);
        assert_eq!(count(group(&svg, "axis x"), "<text"), 11);
        // No groups, mismatched lengths, odd groups: still fine.
        let svg = distribution(
            "h",
            "t",
            &labels[..5],
            &counts,
            &[(9, 2, "odd".into()), (40, 50, "gone".into())],
            &en(),
        );
        check(&svg);
        assert_eq!(count(&svg, r#"<rect class="mark""#), 5);
        assert!(!svg.contains("gone"));
        assert!(svg.contains(">odd (2–4)</text>"));
        for (l, k) in [(&labels[..0], &counts[..0]), (&labels[..], &[0u64; 11][..])] {
            let svg = distribution("z", "t", l, k, &groups, &en());
            check(&svg);
            assert!(svg.contains(r#"class="nodata""#));
        }
        let huge = [u64::MAX, u64::MAX, 1];
        check(&distribution("g", "t", &labels[..3], &huge, &[], &en()));
    }

    #[test]
    fn drivers_pairs() {
        let rows = [
            DriverBar {
                label: "Friendliness".into(),
                relative_weight_pct: 41.2,
                shapley_pct: 38.9,
            },
            DriverBar {
                label: "Waiting time".into(),
                relative_weight_pct: 35.0,
                shapley_pct: 36.4,
            },
            DriverBar {
                label: "Price".into(),
                relative_weight_pct: 23.8,
                shapley_pct: -2.1,
            },
        ];
        let svg = drivers("k", "Key drivers", &rows, &nl());
        check(&svg);
        assert_eq!(count(&svg, r#"<rect class="mark""#), 6);
        assert!(svg.contains("<title>Friendliness: Relatief gewicht 41,2%</title>"));
        assert!(svg.contains("Price: Relatief gewicht 23,8%, Shapley-aandeel \u{2212}2,1%"));
        assert!(svg.contains(r#"class="zero""#));
        assert!(group(&svg, "legend").contains("Shapley-aandeel"));
        // Sorted as given.
        assert!(svg.find("Friendliness").unwrap() < svg.find("Price").unwrap());
        for rows in [
            vec![],
            vec![DriverBar {
                label: "x".into(),
                relative_weight_pct: f64::NAN,
                shapley_pct: f64::INFINITY,
            }],
        ] {
            let svg = drivers("k", "t", &rows, &en());
            check(&svg);
            assert!(svg.contains(r#"class="nodata""#));
        }
        let zero = [DriverBar {
            label: "x".into(),
            ..Default::default()
        }];
        check(&drivers("k", "t", &zero, &en()));
    }

    #[test]
    fn importance_performance_matrix() {
        let p = |label: &str, performance, importance, quadrant: &str| MatrixPoint {
            label: label.into(),
            performance,
            importance,
            quadrant: quadrant.into(),
        };
        let pts = [
            p("Waiting time", 6.1, 0.42, "act-here"),
            p("Friendliness", 8.4, 0.38, "keep-up"),
            p("Parking", 8.1, 0.05, "possible-overkill"),
            p("Coffee", 5.9, 0.08, "low-priority"),
            p("Coffee too", 5.95, 0.081, "low-priority"),
        ];
        let names = ["Act here", "Keep up", "Possible overkill", "Low priority"];
        let svg = matrix(
            "m",
            "Priorities",
            &pts,
            (7.0, 0.2),
            "Performance",
            "Importance",
            names,
            &nl(),
        );
        check(&svg);
        // Each name is written out, or shortened with the whole name as its tooltip.
        for n in names {
            let q = group(&svg, "quadrants");
            assert!(
                q.contains(&format!(">{n}</text>")) || q.contains(&format!("<title>{n}</title>")),
                "{q}"
            );
        }
        assert_eq!(count(&svg, r#"<path class="mark""#), 5);
        let labels = group(&svg, "point-labels");
        for pt in &pts {
            assert!(labels.contains(&format!(">{}</text>", pt.label)));
        }
        assert_eq!(count(&svg, r#"class="split""#), 2);
        assert!(svg.contains("Act here: Waiting time (Performance 6,10, Importance 0,420)"));
        assert!(svg.contains(r#"transform="rotate(-90"#));
        // Shapes differ per quadrant, not only colours.
        assert!(svg.contains(&format!(r##"fill="{VERMILLION}" stroke="#fff""##)));
        let svg = matrix("m", "t", &[], (0.0, 0.0), "x", "y", names, &en());
        check(&svg);
        assert!(svg.contains(r#"class="nodata""#));
        let one = [p("Only", 5.0, 0.5, "keep-up")];
        check(&matrix("m", "t", &one, (5.0, 0.5), "x", "y", names, &en()));
        check(&matrix(
            "m",
            "t",
            &one,
            (f64::NAN, f64::INFINITY),
            "x",
            "y",
            names,
            &en(),
        ));
        let neg = [
            p("a", -40.0, -1.0, "act-here"),
            p("b", 30.0, 2.0, "nonsense"),
        ];
        check(&matrix("m", "t", &neg, (0.0, 0.0), "x", "y", names, &en()));
    }

    // Labels without the letters of "inf" and "NaN", so a hit can only come from a number.
    fn label() -> impl Strategy<Value = String> {
        "[a-hA-H0-9 <>&\"'é…\u{1}]{0,40}"
    }

    fn float() -> impl Strategy<Value = f64> {
        prop_oneof![
            4 => -150.0..150.0f64,
            1 => any::<f64>(),
            1 => Just(f64::NAN),
            1 => Just(f64::INFINITY),
            1 => Just(f64::NEG_INFINITY),
            1 => Just(0.0),
        ]
    }

    fn pair() -> impl Strategy<Value = (f64, f64)> {
        (float(), float())
    }

    fn point() -> impl Strategy<Value = TrendPoint> {
        (
            label(),
            proptest::option::of(float()),
            proptest::option::of(pair()),
            any::<u64>(),
            (
                proptest::option::of(float()),
                proptest::option::of(float()),
                proptest::option::of(float()),
            ),
            any::<bool>(),
        )
            .prop_map(
                |(label, value, ci, n, (lcl, ucl, centre), signal)| TrendPoint {
                    label,
                    value,
                    ci,
                    n,
                    lcl,
                    ucl,
                    centre,
                    signal,
                },
            )
    }

    fn text_strategy() -> impl Strategy<Value = ChartText> {
        (any::<bool>(), proptest::option::of(0u8..12), label()).prop_map(|(comma, decimals, s)| {
            ChartText {
                decimal_comma: comma,
                decimals,
                signal: s,
                ..en()
            }
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]

        #[test]
        fn random_trends_are_well_formed(
            pts in proptest::collection::vec(point(), 0..120),
            y in pair(),
            target in proptest::option::of(float()),
            id in label(),
            t in text_strategy(),
        ) {
            check(&trend(&id, "t", &pts, y, target, &t));
        }

        #[test]
        fn random_bars_are_well_formed(
            rows in proptest::collection::vec(
                (label(), proptest::option::of(float()), proptest::option::of(pair()), any::<u64>(), proptest::option::of(label())),
                0..30,
            ),
            x in pair(),
            target in proptest::option::of(float()),
            t in text_strategy(),
        ) {
            let rows: Vec<Bar> = rows
                .into_iter()
                .map(|(label, value, ci, n, note)| Bar { label, value, ci, n, note, target })
                .collect();
            check(&bars("b", "t", &rows, x, target, &t));
        }

        #[test]
        fn random_distributions_are_well_formed(
            labels in proptest::collection::vec(label(), 0..25),
            counts in proptest::collection::vec(prop_oneof![0u64..1000, any::<u64>()], 0..25),
            groups in proptest::collection::vec((0usize..30, 0usize..30, label()), 0..5),
            t in text_strategy(),
        ) {
            check(&distribution("d", "t", &labels, &counts, &groups, &t));
        }

        #[test]
        fn random_drivers_are_well_formed(
            rows in proptest::collection::vec((label(), float(), float()), 0..20),
            t in text_strategy(),
        ) {
            let rows: Vec<DriverBar> = rows
                .into_iter()
                .map(|(label, relative_weight_pct, shapley_pct)| DriverBar { label, relative_weight_pct, shapley_pct })
                .collect();
            check(&drivers("r", "t", &rows, &t));
        }

        #[test]
        fn random_matrices_are_well_formed(
            pts in proptest::collection::vec(
                (label(), float(), float(), prop_oneof![
                    Just("act-here".to_owned()),
                    Just("keep-up".to_owned()),
                    Just("possible-overkill".to_owned()),
                    Just("low-priority".to_owned()),
                    label(),
                ]),
                0..25,
            ),
            split in pair(),
            axis_names in (label(), label()),
            t in text_strategy(),
        ) {
            let pts: Vec<MatrixPoint> = pts
                .into_iter()
                .map(|(label, performance, importance, quadrant)| MatrixPoint { label, performance, importance, quadrant })
                .collect();
            check(&matrix("m", "t", &pts, split, &axis_names.0, &axis_names.1, ["a", "b", "c", "d"], &t));
        }
    }
}
