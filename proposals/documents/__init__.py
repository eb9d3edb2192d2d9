"""What the product writes out: a proposal as a .docx (proposal_docx), a session's proposals as one .zip built by a
task (exports), and a person's deadlines as an iCalendar feed (calendar_feed)."""
