-- Escalations (a lead past its first-response target, told to owners and admins) get a choice
-- of their own per channel. NULL until a member chooses: then they follow the rule they always
-- had, every channel on which the member takes new or assigned leads.
ALTER TABLE notification_prefs ADD COLUMN email_escalations INTEGER;
ALTER TABLE notification_prefs ADD COLUMN push_escalations INTEGER;
