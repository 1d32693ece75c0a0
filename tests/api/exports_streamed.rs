//! Exports read a page at a time and streamed: with a page of three ids, an export of more
//! flows than one page holds gives every row, and the same bytes as the export built whole in
//! one page; an XLSX file the same cells.

use crate::{
    db_tests,
    fixtures::{activity, flow, org},
    support::TestApp,
};
use calamine::{Data, Reader, Xlsx};
use serde_json::json;
use transfer_register::{
    domain::vocab::Role,
    service::export::{self, ExportKind, ExportOptions, Format, Source},
};

db_tests!(
    an_export_larger_than_a_page_streams_every_row_as_the_whole_export_has_them,
    an_xlsx_export_larger_than_a_page_holds_the_cells_of_the_whole_export,
);

/// Flows in the register: more than three pages of three.
const FLOWS: usize = 11;

/// Shop GmbH (DE) sends data to Cloud Inc (US) and to its sister Clinic Ltd (GB) as a
/// processor, from three activities; Clinic passes some on to Cloud Inc. Returns (shop, clinic).
async fn register(app: &TestApp) -> (String, String) {
    let shop = org(
        app,
        json!({ "name": "Shop GmbH", "kind": "GROUP_COMPANY", "country": "DE",
                "privacyContactEmail": "privacy@shop.example" }),
    )
    .await;
    let clinic = org(
        app,
        json!({ "name": "Clinic Ltd", "kind": "GROUP_COMPANY", "country": "GB",
                "dpaSignedOn": "2024-01-01" }),
    )
    .await;
    let cloud = org(
        app,
        json!({ "name": "Cloud Inc", "kind": "SUPPLIER", "country": "US" }),
    )
    .await;
    let activities = [
        activity(app, &shop, &["contact.email", "special.health"]).await,
        activity(app, &shop, &["contact.email"]).await,
        activity(app, &clinic, &["contact.email"]).await,
    ];
    let mut to_clinic = Vec::new();
    for i in 0..FLOWS - 2 {
        let mut input = json!({ "activityId": activities[i % 2], "fromId": shop,
            "ref": format!("FLOW-{i}"), "recipientRole": "PROCESSOR",
            "dataCategories": ["contact.email"] });
        let to = if i % 2 == 0 {
            input["mechanism"] = json!("SCC_2021");
            input["sccModule"] = json!("C2P");
            input["signedOn"] = json!("2024-01-01");
            &cloud
        } else {
            input["mechanism"] = json!("ADEQUACY");
            &clinic
        };
        input["toId"] = json!(to);
        let id = flow(app, input).await;
        if to == &clinic {
            to_clinic.push(id);
        }
    }
    for continued in &to_clinic[..2] {
        flow(
            app,
            json!({ "activityId": activities[1], "fromId": clinic,
                    "toId": cloud, "recipientRole": "SUB_PROCESSOR",
                    "dataCategories": ["contact.email"], "continuesFlowId": continued,
                    "mechanism": "SCC_2021", "sccModule": "P2P", "signedOn": "2024-01-01" }),
        )
        .await;
    }
    (shop, clinic)
}

/// The exports compared, with their query.
fn exports(shop: &str, clinic: &str) -> Vec<(ExportKind, Option<i64>, Option<i64>, String)> {
    let shop_id: i64 = shop.parse().expect("id");
    let clinic_id: i64 = clinic.parse().expect("id");
    vec![
        (ExportKind::Transfers, None, None, "transfers".into()),
        (ExportKind::Gaps, None, None, "gaps".into()),
        (ExportKind::Ropa, None, None, "ropa".into()),
        (
            ExportKind::Ropa,
            None,
            Some(shop_id),
            format!("ropa?controller={shop}"),
        ),
        (
            ExportKind::ProcessorRecord,
            None,
            None,
            "processor-record".into(),
        ),
        (
            ExportKind::ProcessorRecord,
            Some(clinic_id),
            None,
            format!("processor-record?processor={clinic}"),
        ),
        (ExportKind::Flows, None, None, "flows".into()),
    ]
}

/// The export built whole, one page, without the service's kept verdicts.
async fn whole(
    app: &TestApp,
    kind: ExportKind,
    processor: Option<i64>,
    controller: Option<i64>,
) -> export::Table {
    export::build(
        &app.state.read_db,
        &app.state.reference,
        kind,
        ExportOptions {
            on: chrono::Utc::now().date_naive(),
            processor,
            controller,
            what_if: None,
        },
    )
    .await
    .expect("built whole")
}

async fn fetch(base: &str, token: &str, stem: &str, extension: &str) -> Vec<u8> {
    let (stem, query) = stem.split_once('?').unwrap_or((stem, ""));
    let response = reqwest::Client::new()
        .get(format!("{base}/exports/{stem}.{extension}?{query}"))
        .bearer_auth(token)
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 200, "{stem}.{extension}?{query}");
    response.bytes().await.expect("body").to_vec()
}

async fn an_export_larger_than_a_page_streams_every_row_as_the_whole_export_has_them(app: TestApp) {
    let (shop, clinic) = register(&app).await;
    let base = app.serve_with(|c| c.export_page_ids = 3).await;
    let dpo = app.token(Role::Dpo).await;
    for (kind, processor, controller, stem) in exports(&shop, &clinic) {
        let table = whole(&app, kind, processor, controller).await;
        for format in [Format::Csv, Format::Json] {
            let mut expected = Vec::new();
            table.write(format, &mut expected).expect("rendered");
            let streamed = fetch(&base, &dpo, &stem, format.extension()).await;
            assert_eq!(
                String::from_utf8_lossy(&streamed),
                String::from_utf8_lossy(&expected),
                "{stem}.{}",
                format.extension()
            );
        }
        // The same rows read three ids a query, collected rather than streamed.
        let paged = export::build_from(
            &Source {
                db: &app.state.read_db,
                reference: &app.state.reference,
                verdicts: Some(app.state.verdicts.as_ref()),
                page: 3,
            },
            kind,
            ExportOptions {
                on: chrono::Utc::now().date_naive(),
                processor,
                controller,
                what_if: None,
            },
        )
        .await
        .expect("built in pages");
        assert_eq!(paged.rows, table.rows, "{stem}");
    }
    // More rows than a page, and every flow's transfer: nothing was left at a page's edge.
    let transfers = whole(&app, ExportKind::Transfers, None, None).await;
    assert_eq!(transfers.rows.len(), FLOWS, "{:?}", transfers.rows);
    let flows: std::collections::BTreeSet<_> =
        transfers.rows.iter().map(|r| r[0].plain()).collect();
    assert_eq!(flows.len(), FLOWS);
    let record = whole(&app, ExportKind::Ropa, None, None).await;
    assert_eq!(
        record.rows.len(),
        FLOWS + 1,
        "one row a flow, one for the idle activity"
    );
}

async fn an_xlsx_export_larger_than_a_page_holds_the_cells_of_the_whole_export(app: TestApp) {
    let (shop, clinic) = register(&app).await;
    let base = app.serve_with(|c| c.export_page_ids = 3).await;
    let dpo = app.token(Role::Dpo).await;
    for (kind, processor, controller, stem) in exports(&shop, &clinic) {
        let table = whole(&app, kind, processor, controller).await;
        let mut expected = Vec::new();
        table.write(Format::Xlsx, &mut expected).expect("rendered");
        let streamed = fetch(&base, &dpo, &stem, "xlsx").await;
        assert_eq!(cells(streamed), cells(expected), "{stem}.xlsx");
    }
}

/// Every worksheet's name and cells.
fn cells(bytes: Vec<u8>) -> Vec<(String, Vec<Vec<Data>>)> {
    let mut book: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("XLSX");
    book.sheet_names()
        .into_iter()
        .map(|name| {
            let range = book.worksheet_range(&name).expect("sheet");
            (name, range.rows().map(<[Data]>::to_vec).collect())
        })
        .collect()
}
