"""HTTP views of training: the officials' and organizers' pages (``pages``, ``/training``) and the
public certificate check (``verify``, ``/verify/<code>``)."""
