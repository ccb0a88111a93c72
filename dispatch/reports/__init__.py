"""Post-incident reports: who was reached, how fast, and who was not — as JSON, CSV, XLSX and
printable HTML, built in one streamed pass over the deliveries."""
