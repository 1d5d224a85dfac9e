//! Static assets compiled into the binary, served under names that carry a content hash so
//! they can be cached for a year.

use std::sync::LazyLock;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::Digest;

pub struct Asset {
    pub path: String,
    pub body: &'static str,
    pub content_type: &'static str,
}

fn asset(stem: &str, ext: &str, body: &'static str, content_type: &'static str) -> Asset {
    let hash = hex::encode(&sha2::Sha256::digest(body.as_bytes())[..5]);
    Asset {
        path: format!("/assets/{stem}.{hash}.{ext}"),
        body,
        content_type,
    }
}

pub static CSS: LazyLock<Asset> = LazyLock::new(|| {
    asset(
        "app",
        "css",
        include_str!("../assets/app.css"),
        "text/css; charset=utf-8",
    )
});
pub static FORM_JS: LazyLock<Asset> = LazyLock::new(|| {
    asset(
        "form",
        "js",
        include_str!("../assets/form.js"),
        "text/javascript; charset=utf-8",
    )
});

pub static ADMIN_CSS: LazyLock<Asset> = LazyLock::new(|| {
    asset(
        "admin",
        "css",
        include_str!("../assets/admin.css"),
        "text/css; charset=utf-8",
    )
});
pub static ADMIN_JS: LazyLock<Asset> = LazyLock::new(|| {
    asset(
        "admin",
        "js",
        include_str!("../assets/admin.js"),
        "text/javascript; charset=utf-8",
    )
});

/// The hashed paths templates link to.
#[derive(Clone, Copy, Debug)]
pub struct AssetPaths {
    pub css: &'static str,
    pub js: &'static str,
}

pub fn paths() -> AssetPaths {
    AssetPaths {
        css: CSS.path.as_str(),
        js: FORM_JS.path.as_str(),
    }
}

pub async fn serve(axum::extract::Path(file): axum::extract::Path<String>) -> Response {
    let wanted = format!("/assets/{file}");
    for a in [&*CSS, &*FORM_JS, &*ADMIN_CSS, &*ADMIN_JS] {
        if a.path == wanted {
            return (
                [
                    (
                        header::CONTENT_TYPE,
                        HeaderValue::from_static(a.content_type),
                    ),
                    (
                        header::CACHE_CONTROL,
                        HeaderValue::from_static("public, max-age=31536000, immutable"),
                    ),
                ],
                a.body,
            )
                .into_response();
        }
    }
    StatusCode::NOT_FOUND.into_response()
}
