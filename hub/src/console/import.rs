//! Importing residents from a CSV file (the establishment's previous
//! software, or a spreadsheet): a preview line by line, then the import.

use std::sync::Arc;

use askama::Template;
use axum::Form;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::Response;
use uuid::Uuid;

use super::chrome::*;
use super::people::PreviewLine;
use super::session::*;
use super::tablets::UnitView;
use super::{people, tablets};
use crate::api::AppState;
use crate::backend::{Backend, Scope};
use crate::error::HubError;

#[derive(Template)]
#[template(path = "console/import.html")]
pub(super) struct ImportPage {
    frame: Frame,
    units: Vec<UnitView>,
    lines: Vec<PreviewLine>,
    valid: usize,
    wrong: usize,
    unit: String,
    unit_name: String,
    csv: String,
}

pub(super) async fn import_page<B: Backend>(
    State(state): State<Arc<AppState<B>>>,
    SignedIn { session, account }: SignedIn,
) -> Response {
    match console_tx(&state, move |tx| tablets::units_in_scope(tx, &account)).await {
        Ok(units) => {
            let f = Frame::of(&session);
            html(
                StatusCode::OK,
                ImportPage {
                    frame: f,
                    units,
                    lines: vec![],
                    valid: 0,
                    wrong: 0,
                    unit: String::new(),
                    unit_name: String::new(),
                    csv: String::new(),
                },
                None,
            )
        }
        Err(e) => page_error(e, Frame::of(&session)),
    }
}

/// The largest CSV the console reads (a few thousand residents).
pub(super) const MAX_CSV_BYTES: usize = 1024 * 1024;

/// A CSV file's text: UTF-8 (its byte-order mark dropped) or, failing
/// that, Windows-1252 — what a spreadsheet saves as « CSV (point-virgule) »
/// on a French Windows.
pub(super) fn csv_text(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => bytes.iter().map(|&b| windows_1252(b)).collect(),
    }
}

pub(super) fn windows_1252(b: u8) -> char {
    // 0x80–0x9F differ from Latin-1; the rest is the same code point.
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž', '\u{8f}', '\u{90}', '‘',
        '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}', 'ž', 'Ÿ',
    ];
    if (0x80..0xa0).contains(&b) { HIGH[(b - 0x80) as usize] } else { b as char }
}

/// The import form's fields, from a plain form or from a multipart one
/// carrying the file: a file given replaces the pasted text.
pub(super) async fn import_fields<B: Backend>(
    state: &Arc<AppState<B>>,
    req: Request,
) -> Result<Vec<(String, String)>, HubError> {
    use axum::extract::FromRequest;
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let unreadable = || HubError::BadRequest("Formulaire illisible.".into());
    if !multipart {
        let Form(form) = Form::<Vec<(String, String)>>::from_request(req, state).await.map_err(|_| unreadable())?;
        return Ok(form);
    }
    let mut parts = axum::extract::Multipart::from_request(req, state).await.map_err(|_| unreadable())?;
    let mut form = Vec::new();
    let mut file = None;
    while let Some(part) = parts.next_field().await.map_err(|_| unreadable())? {
        let name = part.name().unwrap_or_default().to_owned();
        let bytes = part.bytes().await.map_err(|_| unreadable())?;
        if bytes.len() > MAX_CSV_BYTES {
            return Err(HubError::BadRequest("Fichier trop grand (1 Mo au plus).".into()));
        }
        if name == "file" {
            file = Some(csv_text(&bytes)).filter(|t| !t.trim().is_empty());
        } else {
            form.push((name, String::from_utf8_lossy(&bytes).into_owned()));
        }
    }
    if let Some(text) = file {
        form.retain(|(k, _)| k != "csv");
        form.push(("csv".into(), text));
    }
    Ok(form)
}

pub(super) async fn import_submit<B: Backend>(State(state): State<Arc<AppState<B>>>, req: Request) -> Response {
    let headers = req.headers().clone();
    let form = match import_fields(&state, req).await {
        Ok(f) => f,
        Err(e) => {
            return match signed_in(&state, &headers).await {
                Ok((session, _)) => page_error(e, Frame::of(&session)),
                Err(r) => r,
            };
        }
    };
    let (session, account) = match signed_post(&state, &headers, &form).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let csv = field(&form, "csv").unwrap_or_default().to_owned();
    if csv.len() > MAX_CSV_BYTES {
        return page_error(HubError::BadRequest("Fichier trop grand (1 Mo au plus).".into()), Frame::of(&session));
    }
    let Some(unit) = field(&form, "unit").and_then(|u| Uuid::try_parse(u).ok()) else {
        return page_error(HubError::NotFound("unit".into()), Frame::of(&session));
    };
    let importing = field(&form, "action") == Some("import");
    let skip_wrong = field(&form, "skip_wrong") == Some("yes");
    let today = jiff::ZonedDateTime::now().date();
    let a = account.clone();
    let csv_text = csv.clone();
    let outcome = with_backend(&state, move |backend| {
        let units = backend.transaction(Scope::Admin, |tx| {
            tablets::check_units(tx, &a, &[unit])?;
            tablets::units_in_scope(tx, &a)
        })?;
        let lines = crate::admin::parse_residents_csv(&csv_text, unit, today)?;
        let wrong = lines.iter().filter(|l| l.resident.is_err()).count();
        let imported = if importing && (wrong == 0 || skip_wrong) {
            let residents: Vec<_> = lines.iter().filter_map(|l| l.resident.clone().ok()).collect();
            Some(crate::Admin::new(backend).import_residents(a.tenant_id, unit, &residents)?.len())
        } else {
            None
        };
        Ok::<_, HubError>((units, lines, imported))
    })
    .await;
    let (units, lines, imported) = match outcome {
        Ok(o) => o,
        Err(HubError::BadRequest(_)) => {
            return page_error(
                HubError::BadRequest(
                    "La première ligne doit être : birth_name;given_names;sex;birth_date;birth_place_insee;room".into(),
                ),
                Frame::of(&session),
            );
        }
        Err(e) => return page_error(e, Frame::of(&session)),
    };
    let f = Frame::of(&session);
    let unit_name = units.iter().find(|u| u.id == unit).map(|u| u.name.clone()).unwrap_or_default();
    if let Some(n) = imported {
        log::info!("{n} residents imported into unit {unit} by console account {}", account.id);
        return message(
            StatusCode::OK,
            f,
            "Import terminé",
            &format!(
                "{n} résident(s) importé(s) dans {unit_name} : les tablettes de l'unité les recevront à leur prochaine synchronisation."
            ),
            "/console/residents/import",
        );
    }
    let preview = people::preview(&lines);
    let wrong = preview.iter().filter(|l| l.error.is_some()).count();
    html(
        StatusCode::OK,
        ImportPage {
            frame: f,
            units,
            valid: preview.len() - wrong,
            wrong,
            lines: preview,
            unit: unit.to_string(),
            unit_name,
            csv,
        },
        None,
    )
}
