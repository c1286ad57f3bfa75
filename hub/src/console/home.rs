//! The console's home page: who is signed in, and what waits for them
//! (open conflicts, tablets, tablets not seen lately).

use std::sync::Arc;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::chrome::*;
use super::session::*;
use super::tablets::TabletView;
use super::{conflicts, tablets};
use crate::api::{AppState, now_ms};
use crate::backend::Backend;

#[derive(Template)]
#[template(path = "console/home.html")]
pub(super) struct HomePage {
    frame: Frame,
    name: String,
    role: String,
    open_conflicts: usize,
    tablets: usize,
    stale_tablets: usize,
}

pub(super) async fn home<B: Backend>(
    State(state): State<Arc<AppState<B>>>,
    SignedIn { session, account }: SignedIn,
) -> Response {
    let a = account.clone();
    let now = now_ms();
    let counts = console_tx(&state, move |tx| {
        let open = conflicts::open_conflicts(tx, &a)?.len();
        let tablets: Vec<TabletView> = tablets::tablets(tx, &a, now)?.into_iter().filter(|t| !t.revoked).collect();
        Ok((open, tablets.len(), tablets.iter().filter(|t| t.stale).count()))
    })
    .await;
    match counts {
        Ok((open, tablets, stale_tablets)) => {
            let f = Frame::of(&session);
            html(
                StatusCode::OK,
                HomePage {
                    frame: f,
                    name: account.display_name.clone(),
                    role: account.role.label_fr().into(),
                    open_conflicts: open,
                    tablets,
                    stale_tablets,
                },
                None,
            )
        }
        Err(e) => page_error(e, Frame::of(&session)),
    }
}
