"""Playbooks and their steps, enrollments, email templates, outbound and inbound email, the play engine."""
