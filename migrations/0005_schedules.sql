CREATE TABLE `schedule_firings` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`schedule_id` text NOT NULL,
	`fire_key` text NOT NULL,
	`at` integer NOT NULL,
	`outcome` text NOT NULL,
	`run_id` text,
	`reason` text,
	`recorded_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `schedule_firings_key` ON `schedule_firings` (`schedule_id`,`fire_key`);--> statement-breakpoint
CREATE INDEX `schedule_firings_at` ON `schedule_firings` (`schedule_id`,`at`);--> statement-breakpoint
CREATE TABLE `schedules` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text,
	`cron` text,
	`every_seconds` integer,
	`request` text NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`next_run_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `schedules_kind_due` ON `schedules` (`enabled`,`every_seconds`,`next_run_at`);--> statement-breakpoint
ALTER TABLE `test_runs` ADD `schedule_id` text;