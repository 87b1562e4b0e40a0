// Generated from the zod schemas of scheduler/api by client/api/wire-schemas.test.ts; do not edit.
// Regenerate: UPDATE_WIRE_SCHEMAS=1 npx vitest run client/api/wire-schemas.test.ts
import type { JsonSchema } from '../../scheduler/api/json-shape.js';

export type WireName = 'ScheduledTask' | 'JobSummary' | 'CreateJobResponse' | 'ListJobsResponse' | 'ListTasksResponse' | 'KillJobResponse' | 'PruneTasksResponse' | 'ApiErrorBody' | 'HealthResponse' | 'GetQuotaResponse' | 'UpdateResponse' | 'ListUpdatesResponse' | 'CronJobResponse' | 'ListCronJobsResponse';

export const WIRE_SCHEMAS: Readonly<Record<WireName, JsonSchema>> = {
  "ScheduledTask": {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
      "taskId": {
        "type": "string"
      },
      "jobKey": {
        "type": "object",
        "properties": {
          "cluster": {
            "type": "string",
            "minLength": 1,
            "maxLength": 255,
            "pattern": "^[\\w\\-.]+$",
            "not": {
              "enum": [
                ".",
                ".."
              ]
            }
          },
          "role": {
            "type": "string",
            "minLength": 1,
            "maxLength": 255,
            "pattern": "^[\\w\\-.]+$",
            "not": {
              "enum": [
                ".",
                ".."
              ]
            }
          },
          "environment": {
            "type": "string",
            "minLength": 1,
            "maxLength": 255,
            "pattern": "^[\\w\\-.]+$",
            "not": {
              "enum": [
                ".",
                ".."
              ]
            }
          },
          "name": {
            "type": "string",
            "minLength": 1,
            "maxLength": 255,
            "pattern": "^[\\w\\-.]+$",
            "not": {
              "enum": [
                ".",
                ".."
              ]
            }
          }
        },
        "required": [
          "cluster",
          "role",
          "environment",
          "name"
        ],
        "additionalProperties": false
      },
      "instance": {
        "type": "integer",
        "minimum": 0,
        "maximum": 9007199254740991
      },
      "state": {
        "type": "string",
        "enum": [
          "PENDING",
          "THROTTLED",
          "ASSIGNED",
          "STARTING",
          "RUNNING",
          "KILLING",
          "RESTARTING",
          "PREEMPTING",
          "DRAINING",
          "PARTITIONED",
          "FINISHED",
          "FAILED",
          "KILLED",
          "LOST"
        ]
      },
      "specHash": {
        "type": "string"
      },
      "agentId": {
        "type": [
          "string",
          "null"
        ]
      },
      "host": {
        "type": [
          "string",
          "null"
        ]
      },
      "observerUrl": {
        "type": [
          "string",
          "null"
        ]
      },
      "ports": {
        "type": "object",
        "propertyNames": {
          "type": "string"
        },
        "additionalProperties": {
          "type": "integer",
          "minimum": -9007199254740991,
          "maximum": 9007199254740991
        }
      },
      "health": {
        "type": "string",
        "enum": [
          "HEALTHY",
          "UNHEALTHY",
          "UNKNOWN"
        ]
      },
      "failureCount": {
        "type": "integer",
        "minimum": 0,
        "maximum": 9007199254740991
      },
      "pendingReason": {
        "type": [
          "string",
          "null"
        ]
      },
      "throttle": {
        "anyOf": [
          {
            "type": "object",
            "properties": {
              "penaltyMs": {
                "type": "integer",
                "minimum": 0,
                "maximum": 9007199254740991
              },
              "until": {
                "type": "number"
              }
            },
            "required": [
              "penaltyMs",
              "until"
            ],
            "additionalProperties": false
          },
          {
            "type": "null"
          }
        ]
      },
      "events": {
        "type": "array",
        "items": {
          "type": "object",
          "properties": {
            "state": {
              "type": "string",
              "enum": [
                "PENDING",
                "THROTTLED",
                "ASSIGNED",
                "STARTING",
                "RUNNING",
                "KILLING",
                "RESTARTING",
                "PREEMPTING",
                "DRAINING",
                "PARTITIONED",
                "FINISHED",
                "FAILED",
                "KILLED",
                "LOST"
              ]
            },
            "at": {
              "type": "number"
            },
            "message": {
              "type": [
                "string",
                "null"
              ]
            }
          },
          "required": [
            "state",
            "at",
            "message"
          ],
          "additionalProperties": false
        }
      }
    },
    "required": [
      "taskId",
      "jobKey",
      "instance",
      "state",
      "specHash",
      "agentId",
      "host",
      "observerUrl",
      "ports",
      "health",
      "failureCount",
      "pendingReason",
      "events"
    ],
    "additionalProperties": false
  },
  "JobSummary": {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
      "key": {
        "type": "object",
        "properties": {
          "cluster": {
            "type": "string",
            "minLength": 1,
            "maxLength": 255,
            "pattern": "^[\\w\\-.]+$",
            "not": {
              "enum": [
                ".",
                ".."
              ]
            }
          },
          "role": {
            "type": "string",
            "minLength": 1,
            "maxLength": 255,
            "pattern": "^[\\w\\-.]+$",
            "not": {
              "enum": [
                ".",
                ".."
              ]
            }
          },
          "environment": {
            "type": "string",
            "minLength": 1,
            "maxLength": 255,
            "pattern": "^[\\w\\-.]+$",
            "not": {
              "enum": [
                ".",
                ".."
              ]
            }
          },
          "name": {
            "type": "string",
            "minLength": 1,
            "maxLength": 255,
            "pattern": "^[\\w\\-.]+$",
            "not": {
              "enum": [
                ".",
                ".."
              ]
            }
          }
        },
        "required": [
          "cluster",
          "role",
          "environment",
          "name"
        ],
        "additionalProperties": false
      },
      "instances": {
        "type": "integer",
        "minimum": -9007199254740991,
        "maximum": 9007199254740991
      },
      "service": {
        "type": "boolean"
      },
      "cronSchedule": {
        "type": [
          "string",
          "null"
        ]
      },
      "specHash": {
        "type": "string"
      },
      "createdAt": {
        "type": "number"
      },
      "version": {
        "type": "integer",
        "minimum": -9007199254740991,
        "maximum": 9007199254740991
      },
      "taskCounts": {
        "type": "object",
        "propertyNames": {
          "type": "string",
          "enum": [
            "PENDING",
            "THROTTLED",
            "ASSIGNED",
            "STARTING",
            "RUNNING",
            "KILLING",
            "RESTARTING",
            "PREEMPTING",
            "DRAINING",
            "PARTITIONED",
            "FINISHED",
            "FAILED",
            "KILLED",
            "LOST"
          ]
        },
        "additionalProperties": {
          "type": "integer",
          "minimum": -9007199254740991,
          "maximum": 9007199254740991
        }
      }
    },
    "required": [
      "key",
      "instances",
      "service",
      "cronSchedule",
      "specHash",
      "createdAt",
      "version",
      "taskCounts"
    ],
    "additionalProperties": false
  },
  "CreateJobResponse": {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
      "job": {
        "type": "object",
        "properties": {
          "key": {
            "type": "object",
            "properties": {
              "cluster": {
                "type": "string",
                "minLength": 1,
                "maxLength": 255,
                "pattern": "^[\\w\\-.]+$",
                "not": {
                  "enum": [
                    ".",
                    ".."
                  ]
                }
              },
              "role": {
                "type": "string",
                "minLength": 1,
                "maxLength": 255,
                "pattern": "^[\\w\\-.]+$",
                "not": {
                  "enum": [
                    ".",
                    ".."
                  ]
                }
              },
              "environment": {
                "type": "string",
                "minLength": 1,
                "maxLength": 255,
                "pattern": "^[\\w\\-.]+$",
                "not": {
                  "enum": [
                    ".",
                    ".."
                  ]
                }
              },
              "name": {
                "type": "string",
                "minLength": 1,
                "maxLength": 255,
                "pattern": "^[\\w\\-.]+$",
                "not": {
                  "enum": [
                    ".",
                    ".."
                  ]
                }
              }
            },
            "required": [
              "cluster",
              "role",
              "environment",
              "name"
            ],
            "additionalProperties": false
          },
          "instances": {
            "type": "integer",
            "minimum": -9007199254740991,
            "maximum": 9007199254740991
          },
          "service": {
            "type": "boolean"
          },
          "cronSchedule": {
            "type": [
              "string",
              "null"
            ]
          },
          "specHash": {
            "type": "string"
          },
          "createdAt": {
            "type": "number"
          },
          "version": {
            "type": "integer",
            "minimum": -9007199254740991,
            "maximum": 9007199254740991
          },
          "taskCounts": {
            "type": "object",
            "propertyNames": {
              "type": "string",
              "enum": [
                "PENDING",
                "THROTTLED",
                "ASSIGNED",
                "STARTING",
                "RUNNING",
                "KILLING",
                "RESTARTING",
                "PREEMPTING",
                "DRAINING",
                "PARTITIONED",
                "FINISHED",
                "FAILED",
                "KILLED",
                "LOST"
              ]
            },
            "additionalProperties": {
              "type": "integer",
              "minimum": -9007199254740991,
              "maximum": 9007199254740991
            }
          }
        },
        "required": [
          "key",
          "instances",
          "service",
          "cronSchedule",
          "specHash",
          "createdAt",
          "version",
          "taskCounts"
        ],
        "additionalProperties": false
      },
      "taskIds": {
        "type": "array",
        "items": {
          "type": "string"
        }
      }
    },
    "required": [
      "job",
      "taskIds"
    ],
    "additionalProperties": false
  },
  "ListJobsResponse": {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
      "jobs": {
        "type": "array",
        "items": {
          "type": "object",
          "properties": {
            "key": {
              "type": "object",
              "properties": {
                "cluster": {
                  "type": "string",
                  "minLength": 1,
                  "maxLength": 255,
                  "pattern": "^[\\w\\-.]+$",
                  "not": {
                    "enum": [
                      ".",
                      ".."
                    ]
                  }
                },
                "role": {
                  "type": "string",
                  "minLength": 1,
                  "maxLength": 255,
                  "pattern": "^[\\w\\-.]+$",
                  "not": {
                    "enum": [
                      ".",
                      ".."
                    ]
                  }
                },
                "environment": {
                  "type": "string",
                  "minLength": 1,
                  "maxLength": 255,
                  "pattern": "^[\\w\\-.]+$",
                  "not": {
                    "enum": [
                      ".",
                      ".."
                    ]
                  }
                },
                "name": {
                  "type": "string",
                  "minLength": 1,
                  "maxLength": 255,
                  "pattern": "^[\\w\\-.]+$",
                  "not": {
                    "enum": [
                      ".",
                      ".."
                    ]
                  }
                }
              },
              "required": [
                "cluster",
                "role",
                "environment",
                "name"
              ],
              "additionalProperties": false
            },
            "instances": {
              "type": "integer",
              "minimum": -9007199254740991,
              "maximum": 9007199254740991
            },
            "service": {
              "type": "boolean"
            },
            "cronSchedule": {
              "type": [
                "string",
                "null"
              ]
            },
            "specHash": {
              "type": "string"
            },
            "createdAt": {
              "type": "number"
            },
            "version": {
              "type": "integer",
              "minimum": -9007199254740991,
              "maximum": 9007199254740991
            },
            "taskCounts": {
              "type": "object",
              "propertyNames": {
                "type": "string",
                "enum": [
                  "PENDING",
                  "THROTTLED",
                  "ASSIGNED",
                  "STARTING",
                  "RUNNING",
                  "KILLING",
                  "RESTARTING",
                  "PREEMPTING",
                  "DRAINING",
                  "PARTITIONED",
                  "FINISHED",
                  "FAILED",
                  "KILLED",
                  "LOST"
                ]
              },
              "additionalProperties": {
                "type": "integer",
                "minimum": -9007199254740991,
                "maximum": 9007199254740991
              }
            }
          },
          "required": [
            "key",
            "instances",
            "service",
            "cronSchedule",
            "specHash",
            "createdAt",
            "version",
            "taskCounts"
          ],
          "additionalProperties": false
        }
      }
    },
    "required": [
      "jobs"
    ],
    "additionalProperties": false
  },
  "ListTasksResponse": {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
      "tasks": {
        "type": "array",
        "items": {
          "type": "object",
          "properties": {
            "taskId": {
              "type": "string"
            },
            "jobKey": {
              "type": "object",
              "properties": {
                "cluster": {
                  "type": "string",
                  "minLength": 1,
                  "maxLength": 255,
                  "pattern": "^[\\w\\-.]+$",
                  "not": {
                    "enum": [
                      ".",
                      ".."
                    ]
                  }
                },
                "role": {
                  "type": "string",
                  "minLength": 1,
                  "maxLength": 255,
                  "pattern": "^[\\w\\-.]+$",
                  "not": {
                    "enum": [
                      ".",
                      ".."
                    ]
                  }
                },
                "environment": {
                  "type": "string",
                  "minLength": 1,
                  "maxLength": 255,
                  "pattern": "^[\\w\\-.]+$",
                  "not": {
                    "enum": [
                      ".",
                      ".."
                    ]
                  }
                },
                "name": {
                  "type": "string",
                  "minLength": 1,
                  "maxLength": 255,
                  "pattern": "^[\\w\\-.]+$",
                  "not": {
                    "enum": [
                      ".",
                      ".."
                    ]
                  }
                }
              },
              "required": [
                "cluster",
                "role",
                "environment",
                "name"
              ],
              "additionalProperties": false
            },
            "instance": {
              "type": "integer",
              "minimum": 0,
              "maximum": 9007199254740991
            },
            "state": {
              "type": "string",
              "enum": [
                "PENDING",
                "THROTTLED",
                "ASSIGNED",
                "STARTING",
                "RUNNING",
                "KILLING",
                "RESTARTING",
                "PREEMPTING",
                "DRAINING",
                "PARTITIONED",
                "FINISHED",
                "FAILED",
                "KILLED",
                "LOST"
              ]
            },
            "specHash": {
              "type": "string"
            },
            "agentId": {
              "type": [
                "string",
                "null"
              ]
            },
            "host": {
              "type": [
                "string",
                "null"
              ]
            },
            "observerUrl": {
              "type": [
                "string",
                "null"
              ]
            },
            "ports": {
              "type": "object",
              "propertyNames": {
                "type": "string"
              },
              "additionalProperties": {
                "type": "integer",
                "minimum": -9007199254740991,
                "maximum": 9007199254740991
              }
            },
            "health": {
              "type": "string",
              "enum": [
                "HEALTHY",
                "UNHEALTHY",
                "UNKNOWN"
              ]
            },
            "failureCount": {
              "type": "integer",
              "minimum": 0,
              "maximum": 9007199254740991
            },
            "pendingReason": {
              "type": [
                "string",
                "null"
              ]
            },
            "throttle": {
              "anyOf": [
                {
                  "type": "object",
                  "properties": {
                    "penaltyMs": {
                      "type": "integer",
                      "minimum": 0,
                      "maximum": 9007199254740991
                    },
                    "until": {
                      "type": "number"
                    }
                  },
                  "required": [
                    "penaltyMs",
                    "until"
                  ],
                  "additionalProperties": false
                },
                {
                  "type": "null"
                }
              ]
            },
            "events": {
              "type": "array",
              "items": {
                "type": "object",
                "properties": {
                  "state": {
                    "type": "string",
                    "enum": [
                      "PENDING",
                      "THROTTLED",
                      "ASSIGNED",
                      "STARTING",
                      "RUNNING",
                      "KILLING",
                      "RESTARTING",
                      "PREEMPTING",
                      "DRAINING",
                      "PARTITIONED",
                      "FINISHED",
                      "FAILED",
                      "KILLED",
                      "LOST"
                    ]
                  },
                  "at": {
                    "type": "number"
                  },
                  "message": {
                    "type": [
                      "string",
                      "null"
                    ]
                  }
                },
                "required": [
                  "state",
                  "at",
                  "message"
                ],
                "additionalProperties": false
              }
            }
          },
          "required": [
            "taskId",
            "jobKey",
            "instance",
            "state",
            "specHash",
            "agentId",
            "host",
            "observerUrl",
            "ports",
            "health",
            "failureCount",
            "pendingReason",
            "events"
          ],
          "additionalProperties": false
        }
      },
      "total": {
        "type": "integer",
        "minimum": 0,
        "maximum": 9007199254740991
      }
    },
    "required": [
      "tasks",
      "total"
    ],
    "additionalProperties": false
  },
  "KillJobResponse": {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
      "killed": {
        "type": "array",
        "items": {
          "type": "string"
        }
      },
      "jobRemoved": {
        "type": "boolean"
      }
    },
    "required": [
      "killed",
      "jobRemoved"
    ],
    "additionalProperties": false
  },
  "PruneTasksResponse": {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
      "pruned": {
        "type": "integer",
        "minimum": 0,
        "maximum": 9007199254740991
      },
      "taskIds": {
        "type": "array",
        "items": {
          "type": "string"
        }
      }
    },
    "required": [
      "pruned",
      "taskIds"
    ],
    "additionalProperties": false
  },
  "ApiErrorBody": {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
      "error": {
        "type": "object",
        "properties": {
          "code": {
            "type": "string"
          },
          "message": {
            "type": "string"
          },
          "details": {
            "type": "array",
            "items": {
              "type": "object",
              "properties": {
                "path": {
                  "type": "string"
                },
                "message": {
                  "type": "string"
                }
              },
              "required": [
                "path",
                "message"
              ],
              "additionalProperties": false
            }
          }
        },
        "required": [
          "code",
          "message"
        ],
        "additionalProperties": false
      }
    },
    "required": [
      "error"
    ],
    "additionalProperties": false
  },
  "HealthResponse": {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
      "status": {
        "type": "string",
        "const": "OK"
      },
      "cluster": {
        "type": "string"
      },
      "version": {
        "type": "string"
      }
    },
    "required": [
      "status",
      "cluster",
      "version"
    ],
    "additionalProperties": false
  },
  "GetQuotaResponse": {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
      "role": {
        "type": "string"
      },
      "quota": {
        "type": "object",
        "properties": {
          "cpu": {
            "type": "number",
            "minimum": 0
          },
          "ramMb": {
            "type": "integer",
            "minimum": 0,
            "maximum": 9007199254740991
          },
          "diskMb": {
            "type": "integer",
            "minimum": 0,
            "maximum": 9007199254740991
          },
          "gpu": {
            "type": "integer",
            "minimum": 0,
            "maximum": 9007199254740991
          }
        },
        "required": [
          "cpu",
          "ramMb",
          "diskMb",
          "gpu"
        ],
        "additionalProperties": false
      },
      "prodUse": {
        "type": "object",
        "properties": {
          "cpu": {
            "type": "number",
            "minimum": 0
          },
          "ramMb": {
            "type": "integer",
            "minimum": 0,
            "maximum": 9007199254740991
          },
          "diskMb": {
            "type": "integer",
            "minimum": 0,
            "maximum": 9007199254740991
          },
          "gpu": {
            "type": "integer",
            "minimum": 0,
            "maximum": 9007199254740991
          }
        },
        "required": [
          "cpu",
          "ramMb",
          "diskMb",
          "gpu"
        ],
        "additionalProperties": false
      },
      "nonProdUse": {
        "type": "object",
        "properties": {
          "cpu": {
            "type": "number",
            "minimum": 0
          },
          "ramMb": {
            "type": "integer",
            "minimum": 0,
            "maximum": 9007199254740991
          },
          "diskMb": {
            "type": "integer",
            "minimum": 0,
            "maximum": 9007199254740991
          },
          "gpu": {
            "type": "integer",
            "minimum": 0,
            "maximum": 9007199254740991
          }
        },
        "required": [
          "cpu",
          "ramMb",
          "diskMb",
          "gpu"
        ],
        "additionalProperties": false
      }
    },
    "required": [
      "role",
      "quota",
      "prodUse",
      "nonProdUse"
    ],
    "additionalProperties": false
  },
  "UpdateResponse": {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
      "update": {
        "type": "object",
        "properties": {
          "id": {
            "type": "string"
          },
          "job": {
            "type": "object",
            "properties": {
              "cluster": {
                "type": "string",
                "minLength": 1,
                "maxLength": 255,
                "pattern": "^[\\w\\-.]+$",
                "not": {
                  "enum": [
                    ".",
                    ".."
                  ]
                }
              },
              "role": {
                "type": "string",
                "minLength": 1,
                "maxLength": 255,
                "pattern": "^[\\w\\-.]+$",
                "not": {
                  "enum": [
                    ".",
                    ".."
                  ]
                }
              },
              "environment": {
                "type": "string",
                "minLength": 1,
                "maxLength": 255,
                "pattern": "^[\\w\\-.]+$",
                "not": {
                  "enum": [
                    ".",
                    ".."
                  ]
                }
              },
              "name": {
                "type": "string",
                "minLength": 1,
                "maxLength": 255,
                "pattern": "^[\\w\\-.]+$",
                "not": {
                  "enum": [
                    ".",
                    ".."
                  ]
                }
              }
            },
            "required": [
              "cluster",
              "role",
              "environment",
              "name"
            ],
            "additionalProperties": false
          },
          "kind": {
            "type": "string",
            "enum": [
              "update",
              "restart"
            ]
          },
          "user": {
            "type": "string"
          },
          "message": {
            "type": [
              "string",
              "null"
            ]
          },
          "status": {
            "type": "string",
            "enum": [
              "ROLLING_FORWARD",
              "ROLLING_BACK",
              "ROLL_FORWARD_PAUSED",
              "ROLL_BACK_PAUSED",
              "ROLL_FORWARD_AWAITING_PULSE",
              "ROLL_BACK_AWAITING_PULSE",
              "ROLLED_FORWARD",
              "ROLLED_BACK",
              "ABORTED",
              "ERROR",
              "FAILED"
            ]
          },
          "createdAt": {
            "type": "number"
          },
          "lastModifiedAt": {
            "type": "number"
          },
          "settings": {
            "type": "object",
            "properties": {
              "strategy": {
                "oneOf": [
                  {
                    "type": "object",
                    "properties": {
                      "kind": {
                        "type": "string",
                        "const": "queue"
                      },
                      "groupSize": {
                        "type": "integer",
                        "minimum": 1,
                        "maximum": 9007199254740991
                      }
                    },
                    "required": [
                      "kind",
                      "groupSize"
                    ],
                    "additionalProperties": false
                  },
                  {
                    "type": "object",
                    "properties": {
                      "kind": {
                        "type": "string",
                        "const": "batch"
                      },
                      "batchSize": {
                        "type": "integer",
                        "minimum": 1,
                        "maximum": 9007199254740991
                      },
                      "autopauseAfterBatch": {
                        "type": "boolean"
                      }
                    },
                    "required": [
                      "kind",
                      "batchSize",
                      "autopauseAfterBatch"
                    ],
                    "additionalProperties": false
                  },
                  {
                    "type": "object",
                    "properties": {
                      "kind": {
                        "type": "string",
                        "const": "variable"
                      },
                      "batchSizes": {
                        "minItems": 1,
                        "type": "array",
                        "items": {
                          "type": "integer",
                          "minimum": 1,
                          "maximum": 9007199254740991
                        }
                      },
                      "autopauseAfterBatch": {
                        "type": "boolean"
                      }
                    },
                    "required": [
                      "kind",
                      "batchSizes",
                      "autopauseAfterBatch"
                    ],
                    "additionalProperties": false
                  }
                ]
              },
              "watchSecs": {
                "type": "integer",
                "minimum": 0,
                "maximum": 9007199254740991
              },
              "maxPerInstanceFailures": {
                "type": "integer",
                "minimum": 0,
                "maximum": 9007199254740991
              },
              "maxTotalFailures": {
                "type": "integer",
                "minimum": 0,
                "maximum": 9007199254740991
              },
              "rollbackOnFailure": {
                "type": "boolean"
              },
              "pulseIntervalSecs": {
                "anyOf": [
                  {
                    "type": "integer",
                    "exclusiveMinimum": 0,
                    "maximum": 9007199254740991
                  },
                  {
                    "type": "null"
                  }
                ]
              },
              "slaAware": {
                "type": "boolean"
              }
            },
            "required": [
              "strategy",
              "watchSecs",
              "maxPerInstanceFailures",
              "maxTotalFailures",
              "rollbackOnFailure",
              "pulseIntervalSecs",
              "slaAware"
            ],
            "additionalProperties": false
          },
          "fromJobSpecHash": {
            "type": "string"
          },
          "toSpecHash": {
            "type": "string"
          },
          "fromInstanceCount": {
            "type": "integer",
            "minimum": 0,
            "maximum": 9007199254740991
          },
          "toInstanceCount": {
            "type": "integer",
            "minimum": 0,
            "maximum": 9007199254740991
          },
          "instances": {
            "type": "array",
            "items": {
              "type": "object",
              "properties": {
                "instance": {
                  "type": "integer",
                  "minimum": 0,
                  "maximum": 9007199254740991
                },
                "fromSpecHash": {
                  "type": [
                    "string",
                    "null"
                  ]
                },
                "toSpecHash": {
                  "type": [
                    "string",
                    "null"
                  ]
                },
                "status": {
                  "type": "string",
                  "enum": [
                    "PENDING",
                    "UPDATING",
                    "SUCCEEDED",
                    "FAILED"
                  ]
                },
                "failures": {
                  "type": "integer",
                  "minimum": 0,
                  "maximum": 9007199254740991
                },
                "replaceTaskId": {
                  "type": [
                    "string",
                    "null"
                  ]
                },
                "watchTaskId": {
                  "type": [
                    "string",
                    "null"
                  ]
                },
                "healthySince": {
                  "type": [
                    "number",
                    "null"
                  ]
                }
              },
              "required": [
                "instance",
                "fromSpecHash",
                "toSpecHash",
                "status",
                "failures",
                "replaceTaskId",
                "watchTaskId",
                "healthySince"
              ],
              "additionalProperties": false
            }
          },
          "batchesStarted": {
            "type": "integer",
            "minimum": 0,
            "maximum": 9007199254740991
          },
          "lastPulseAt": {
            "type": [
              "number",
              "null"
            ]
          },
          "events": {
            "type": "array",
            "items": {
              "type": "object",
              "properties": {
                "status": {
                  "type": "string",
                  "enum": [
                    "ROLLING_FORWARD",
                    "ROLLING_BACK",
                    "ROLL_FORWARD_PAUSED",
                    "ROLL_BACK_PAUSED",
                    "ROLL_FORWARD_AWAITING_PULSE",
                    "ROLL_BACK_AWAITING_PULSE",
                    "ROLLED_FORWARD",
                    "ROLLED_BACK",
                    "ABORTED",
                    "ERROR",
                    "FAILED"
                  ]
                },
                "at": {
                  "type": "number"
                },
                "user": {
                  "type": [
                    "string",
                    "null"
                  ]
                },
                "message": {
                  "type": [
                    "string",
                    "null"
                  ]
                }
              },
              "required": [
                "status",
                "at",
                "user",
                "message"
              ],
              "additionalProperties": false
            }
          },
          "instanceEvents": {
            "type": "array",
            "items": {
              "type": "object",
              "properties": {
                "instance": {
                  "type": "integer",
                  "minimum": 0,
                  "maximum": 9007199254740991
                },
                "action": {
                  "type": "string",
                  "enum": [
                    "INSTANCE_UPDATING",
                    "INSTANCE_UPDATED",
                    "INSTANCE_UPDATE_FAILED",
                    "INSTANCE_ROLLING_BACK",
                    "INSTANCE_ROLLED_BACK",
                    "INSTANCE_ROLLBACK_FAILED"
                  ]
                },
                "at": {
                  "type": "number"
                },
                "message": {
                  "type": [
                    "string",
                    "null"
                  ]
                }
              },
              "required": [
                "instance",
                "action",
                "at",
                "message"
              ],
              "additionalProperties": false
            }
          }
        },
        "required": [
          "id",
          "job",
          "kind",
          "user",
          "message",
          "status",
          "createdAt",
          "lastModifiedAt",
          "settings",
          "fromJobSpecHash",
          "toSpecHash",
          "fromInstanceCount",
          "toInstanceCount",
          "instances",
          "batchesStarted",
          "lastPulseAt",
          "events",
          "instanceEvents"
        ],
        "additionalProperties": false
      }
    },
    "required": [
      "update"
    ],
    "additionalProperties": false
  },
  "ListUpdatesResponse": {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
      "updates": {
        "type": "array",
        "items": {
          "type": "object",
          "properties": {
            "id": {
              "type": "string"
            },
            "job": {
              "type": "object",
              "properties": {
                "cluster": {
                  "type": "string",
                  "minLength": 1,
                  "maxLength": 255,
                  "pattern": "^[\\w\\-.]+$",
                  "not": {
                    "enum": [
                      ".",
                      ".."
                    ]
                  }
                },
                "role": {
                  "type": "string",
                  "minLength": 1,
                  "maxLength": 255,
                  "pattern": "^[\\w\\-.]+$",
                  "not": {
                    "enum": [
                      ".",
                      ".."
                    ]
                  }
                },
                "environment": {
                  "type": "string",
                  "minLength": 1,
                  "maxLength": 255,
                  "pattern": "^[\\w\\-.]+$",
                  "not": {
                    "enum": [
                      ".",
                      ".."
                    ]
                  }
                },
                "name": {
                  "type": "string",
                  "minLength": 1,
                  "maxLength": 255,
                  "pattern": "^[\\w\\-.]+$",
                  "not": {
                    "enum": [
                      ".",
                      ".."
                    ]
                  }
                }
              },
              "required": [
                "cluster",
                "role",
                "environment",
                "name"
              ],
              "additionalProperties": false
            },
            "kind": {
              "type": "string",
              "enum": [
                "update",
                "restart"
              ]
            },
            "user": {
              "type": "string"
            },
            "status": {
              "type": "string",
              "enum": [
                "ROLLING_FORWARD",
                "ROLLING_BACK",
                "ROLL_FORWARD_PAUSED",
                "ROLL_BACK_PAUSED",
                "ROLL_FORWARD_AWAITING_PULSE",
                "ROLL_BACK_AWAITING_PULSE",
                "ROLLED_FORWARD",
                "ROLLED_BACK",
                "ABORTED",
                "ERROR",
                "FAILED"
              ]
            },
            "createdAt": {
              "type": "number"
            },
            "lastModifiedAt": {
              "type": "number"
            }
          },
          "required": [
            "id",
            "job",
            "kind",
            "user",
            "status",
            "createdAt",
            "lastModifiedAt"
          ],
          "additionalProperties": false
        }
      }
    },
    "required": [
      "updates"
    ],
    "additionalProperties": false
  },
  "CronJobResponse": {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
      "cron": {
        "type": "object",
        "properties": {
          "key": {
            "type": "object",
            "properties": {
              "cluster": {
                "type": "string",
                "minLength": 1,
                "maxLength": 255,
                "pattern": "^[\\w\\-.]+$",
                "not": {
                  "enum": [
                    ".",
                    ".."
                  ]
                }
              },
              "role": {
                "type": "string",
                "minLength": 1,
                "maxLength": 255,
                "pattern": "^[\\w\\-.]+$",
                "not": {
                  "enum": [
                    ".",
                    ".."
                  ]
                }
              },
              "environment": {
                "type": "string",
                "minLength": 1,
                "maxLength": 255,
                "pattern": "^[\\w\\-.]+$",
                "not": {
                  "enum": [
                    ".",
                    ".."
                  ]
                }
              },
              "name": {
                "type": "string",
                "minLength": 1,
                "maxLength": 255,
                "pattern": "^[\\w\\-.]+$",
                "not": {
                  "enum": [
                    ".",
                    ".."
                  ]
                }
              }
            },
            "required": [
              "cluster",
              "role",
              "environment",
              "name"
            ],
            "additionalProperties": false
          },
          "schedule": {
            "type": "string"
          },
          "timezone": {
            "type": "string"
          },
          "timezoneFromJob": {
            "type": "boolean"
          },
          "collisionPolicy": {
            "type": "string",
            "enum": [
              "KILL_EXISTING",
              "CANCEL_NEW"
            ]
          },
          "specHash": {
            "type": "string"
          },
          "instances": {
            "type": "integer",
            "minimum": -9007199254740991,
            "maximum": 9007199254740991
          },
          "scheduledBy": {
            "type": "string"
          },
          "scheduledAt": {
            "type": "number"
          },
          "nextRuns": {
            "type": "array",
            "items": {
              "type": "number"
            }
          },
          "lastRuns": {
            "type": "array",
            "items": {
              "type": "object",
              "properties": {
                "scheduledFor": {
                  "type": [
                    "number",
                    "null"
                  ]
                },
                "at": {
                  "type": "number"
                },
                "outcome": {
                  "type": "string",
                  "enum": [
                    "STARTED",
                    "KILLED_EXISTING",
                    "CANCELLED_NEW",
                    "MISSED"
                  ]
                },
                "user": {
                  "type": [
                    "string",
                    "null"
                  ]
                },
                "taskIds": {
                  "type": "array",
                  "items": {
                    "type": "string"
                  }
                }
              },
              "required": [
                "scheduledFor",
                "at",
                "outcome",
                "user",
                "taskIds"
              ],
              "additionalProperties": false
            }
          },
          "activeTasks": {
            "type": "integer",
            "minimum": -9007199254740991,
            "maximum": 9007199254740991
          }
        },
        "required": [
          "key",
          "schedule",
          "timezone",
          "timezoneFromJob",
          "collisionPolicy",
          "specHash",
          "instances",
          "scheduledBy",
          "scheduledAt",
          "nextRuns",
          "lastRuns",
          "activeTasks"
        ],
        "additionalProperties": false
      }
    },
    "required": [
      "cron"
    ],
    "additionalProperties": false
  },
  "ListCronJobsResponse": {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
      "cronJobs": {
        "type": "array",
        "items": {
          "type": "object",
          "properties": {
            "key": {
              "type": "object",
              "properties": {
                "cluster": {
                  "type": "string",
                  "minLength": 1,
                  "maxLength": 255,
                  "pattern": "^[\\w\\-.]+$",
                  "not": {
                    "enum": [
                      ".",
                      ".."
                    ]
                  }
                },
                "role": {
                  "type": "string",
                  "minLength": 1,
                  "maxLength": 255,
                  "pattern": "^[\\w\\-.]+$",
                  "not": {
                    "enum": [
                      ".",
                      ".."
                    ]
                  }
                },
                "environment": {
                  "type": "string",
                  "minLength": 1,
                  "maxLength": 255,
                  "pattern": "^[\\w\\-.]+$",
                  "not": {
                    "enum": [
                      ".",
                      ".."
                    ]
                  }
                },
                "name": {
                  "type": "string",
                  "minLength": 1,
                  "maxLength": 255,
                  "pattern": "^[\\w\\-.]+$",
                  "not": {
                    "enum": [
                      ".",
                      ".."
                    ]
                  }
                }
              },
              "required": [
                "cluster",
                "role",
                "environment",
                "name"
              ],
              "additionalProperties": false
            },
            "schedule": {
              "type": "string"
            },
            "timezone": {
              "type": "string"
            },
            "timezoneFromJob": {
              "type": "boolean"
            },
            "collisionPolicy": {
              "type": "string",
              "enum": [
                "KILL_EXISTING",
                "CANCEL_NEW"
              ]
            },
            "specHash": {
              "type": "string"
            },
            "instances": {
              "type": "integer",
              "minimum": -9007199254740991,
              "maximum": 9007199254740991
            },
            "scheduledBy": {
              "type": "string"
            },
            "scheduledAt": {
              "type": "number"
            },
            "nextRuns": {
              "type": "array",
              "items": {
                "type": "number"
              }
            },
            "lastRuns": {
              "type": "array",
              "items": {
                "type": "object",
                "properties": {
                  "scheduledFor": {
                    "type": [
                      "number",
                      "null"
                    ]
                  },
                  "at": {
                    "type": "number"
                  },
                  "outcome": {
                    "type": "string",
                    "enum": [
                      "STARTED",
                      "KILLED_EXISTING",
                      "CANCELLED_NEW",
                      "MISSED"
                    ]
                  },
                  "user": {
                    "type": [
                      "string",
                      "null"
                    ]
                  },
                  "taskIds": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    }
                  }
                },
                "required": [
                  "scheduledFor",
                  "at",
                  "outcome",
                  "user",
                  "taskIds"
                ],
                "additionalProperties": false
              }
            },
            "activeTasks": {
              "type": "integer",
              "minimum": -9007199254740991,
              "maximum": 9007199254740991
            }
          },
          "required": [
            "key",
            "schedule",
            "timezone",
            "timezoneFromJob",
            "collisionPolicy",
            "specHash",
            "instances",
            "scheduledBy",
            "scheduledAt",
            "nextRuns",
            "lastRuns",
            "activeTasks"
          ],
          "additionalProperties": false
        }
      }
    },
    "required": [
      "cronJobs"
    ],
    "additionalProperties": false
  }
};
