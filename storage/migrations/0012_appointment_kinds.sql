-- Appointments of different kinds (issue 17 item 8). Every earlier appointment was met in
-- person, so that is the default. A phone call, a video call and a home visit have no place
-- (place is ''); a video call has its link, which the client opens in a browser.
ALTER TABLE appointments ADD COLUMN kind TEXT NOT NULL DEFAULT 'in_person'
    CHECK (kind IN ('in_person', 'phone', 'video', 'home_visit', 'joint'));
ALTER TABLE appointments ADD COLUMN link TEXT CHECK (link IS NULL OR length(link) <= 500);
