ALTER TABLE `test_runs` ADD `preconf_latency` text;--> statement-breakpoint
ALTER TABLE `test_runs` ADD `builder` text;--> statement-breakpoint
ALTER TABLE `time_series` ADD `preconf_p50_ms` real;--> statement-breakpoint
ALTER TABLE `time_series` ADD `built_blocks` integer;--> statement-breakpoint
ALTER TABLE `time_series` ADD `built_tx_count` integer;--> statement-breakpoint
ALTER TABLE `time_series` ADD `build_time_ms` real;--> statement-breakpoint
ALTER TABLE `tx_logs` ADD `preconfirmed_at` integer;