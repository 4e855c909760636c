-- Whether the tracker let the member download the release (a session
-- opened leeching, or a seeding one turned leeching): what the optional
-- minimum-ratio rule reads as a download to resume, which a member held
-- back may finish. Rows from before are taken as downloads let in if
-- they downloaded bytes or completed the release; a freeleech download
-- that completed nothing is not known as one.
ALTER TABLE transfers ADD COLUMN leeched INTEGER NOT NULL DEFAULT 0 CHECK (leeched IN (0, 1));
UPDATE transfers SET leeched = 1 WHERE downloaded > 0 OR snatched_at IS NOT NULL;
