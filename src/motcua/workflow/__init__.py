"""Officer workflow: process definitions, work queue, forwarding, supplements, results."""
