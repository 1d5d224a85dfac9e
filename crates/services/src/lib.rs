//! Tevreden's application services: what the API, the admin app and the CLI ask alike.
//!
//! Results, drivers and scorecards are computed here from the store and the domain's
//! statistics; every answer drawn from responses passes the domain's disclosure policy through a
//! [`disclosure::Judge`]. Nothing here knows HTTP: the web crate parses requests into a
//! [`resolve::FilterAsk`], calls a service, and renders what it returns as a page or a JSON body.

pub mod analytics;
pub mod cache;
pub mod disclosure;
pub mod resolve;
pub mod scorecards;
pub mod themes;
