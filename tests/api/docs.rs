//! The README is for people outside the project: it documents every setting, and points to
//! nothing outside the repository.

const README: &str = include_str!("../../README.md");
/// Every file that declares settings (`env = "..."`).
const CONFIG: [&str; 2] = [
    include_str!("../../crates/service/src/config/mod.rs"),
    include_str!("../../crates/service/src/sessions/settings.rs"),
];

#[test]
fn the_readme_configuration_table_lists_every_variable_of_the_configuration() {
    let variables: Vec<&str> = CONFIG
        .iter()
        .flat_map(|file| file.split("env = \"").skip(1))
        .filter_map(|rest| rest.split('"').next())
        .collect();
    assert!(variables.len() >= 20, "{variables:?}");
    let missing: Vec<&&str> = variables
        .iter()
        .filter(|v| !README.contains(&format!("| `{v}` |")))
        .collect();
    assert!(missing.is_empty(), "not in the README's table: {missing:?}");
}

#[test]
fn the_readme_names_no_path_outside_the_repository() {
    assert!(!README.contains("../"), "a path outside the repository");
}
