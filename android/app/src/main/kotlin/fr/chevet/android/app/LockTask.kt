package fr.chevet.android.app

import android.app.Activity
import android.app.admin.DevicePolicyManager
import android.content.Context

/**
 * Dedicated tablets: when the establishment's device management allows this
 * app in lock task mode, the tablet stays in Chevet (no home, no other
 * apps). On a tablet without that policy nothing changes.
 */
object LockTask {
    fun enterIfPermitted(activity: Activity) {
        val policy = activity.getSystemService(Context.DEVICE_POLICY_SERVICE) as DevicePolicyManager
        if (policy.isLockTaskPermitted(activity.packageName)) activity.startLockTask()
    }
}
