ALTER TABLE `test_runs` ADD `retries` text;--> statement-breakpoint
ALTER TABLE `test_runs` ADD `by_type` text;--> statement-breakpoint
ALTER TABLE `test_runs` ADD `tip_histogram` text;